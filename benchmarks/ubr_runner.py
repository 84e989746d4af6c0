"""Run UBR's matching engine the way a user would: the `ubr dedupe` command, in a subprocess.

Contract (stable): `ubr dedupe --mapping MAPPING.yaml --out DIR FILE.csv [FILE.csv ...]` writes
DIR/clusters.csv (file,record_id,cluster_id; one row per input row), DIR/pairs.csv
(file_l,record_id_l,file_r,record_id_r,match_probability,decision, plus evidence: the pairs that
matter, every candidate pair with `--all-pairs`) and DIR/blocking.json; `--candidates` adds
DIR/candidate_pairs.parquet (every pair scored) for blocking recall at scale. Going through
the command keeps the benchmark honest: it times the whole engine,
imports and I/O included, exactly as Splink's runner is timed.
"""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UBR = REPO / ".venv" / "bin" / "ubr"


def command(mapping: Path, out_dir: Path, files: list[Path],
            extra: tuple[str, ...] = ()) -> list[str]:
    """The command line that deduplicates and links `files` into `out_dir`; `extra` options
    such as `--all-pairs` (every candidate pair in pairs.csv) or `--candidates`."""
    return [str(UBR), "dedupe", "--mapping", str(mapping), "--out", str(out_dir), *extra,
            *[str(f) for f in files]]


def available() -> tuple[bool, str]:
    """Whether `ubr dedupe` exists yet (the engine is being written); the reason if not."""
    if not UBR.exists():
        return False, f"{UBR} not found (run `make install`)"
    done = subprocess.run([str(UBR), "dedupe", "--help"], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return False, f"`ubr dedupe` is not available yet: {last[0]}"
    return True, ""


if __name__ == "__main__":
    ok, why = available()
    print("ubr dedupe available" if ok else why)
    sys.exit(0 if ok else 1)
