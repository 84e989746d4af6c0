"""Run UBR's matching engine the way a user would: the `ubr dedupe` command, in a subprocess.

Contract (stable): `ubr dedupe --mapping MAPPING.yaml --out DIR FILE.csv [FILE.csv ...]` writes
DIR/clusters.csv (file,record_id,cluster_id; one row per input row), DIR/pairs.csv
(file_l,record_id_l,file_r,record_id_r,match_probability,decision, plus evidence: the pairs that
matter, every candidate pair with `--all-pairs`) and DIR/blocking.json; `--candidates` adds
DIR/candidate_pairs.parquet (every pair scored) for blocking recall at scale. Going through
the command keeps the benchmark honest: it times the whole engine,
imports and I/O included, exactly as Splink's runner is timed.
"""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UBR = REPO / ".venv" / "bin" / "ubr"


def command(mapping: Path, out_dir: Path, files: list[Path],
            extra: tuple[str, ...] = (), tree: Path | None = None) -> list[str]:
    """The command line that deduplicates and links `files` into `out_dir`; `extra` options
    such as `--all-pairs` (every candidate pair in pairs.csv) or `--candidates`.

    `tree`: run UBR's code from this folder (e.g. `git archive <commit> | tar -x -C DIR`)
    instead of the checkout, so that a baseline is measured on the commit it names while
    the engine is being changed; the same venv, its packages put after the folder."""
    prefix = ["env", f"PYTHONPATH={tree}"] if tree is not None else []
    return [*prefix, str(UBR), "dedupe", "--mapping", str(mapping), "--out", str(out_dir),
            *extra, *[str(f) for f in files]]


# `ubr dedupe` prints one line per stage; these read the seconds back out of its log.
_STAGE_PATTERNS = {
    "read": r"^read [\d,]+ records .* in ([\d.]+)s",
    "prepare": r"^prepared .* in ([\d.]+)s",
    "block": r"^blocking: .* in ([\d.]+)s",
    "compare": r"^compared .* in ([\d.]+)s",
    "score": r"^scored .* in ([\d.]+)s",
    "cluster": r"^clustered .* in ([\d.]+)s",
    "write": r"\(writing ([\d.]+)s\)",
    "total": r"^done in ([\d.]+)s",
}
_U_PATTERN = r"^u estimated from ([\d,]+) random pairs.*\(([\d,]+) pairs/s\)"


def stage_seconds(log: str) -> dict[str, float]:
    """Seconds per stage from a `ubr dedupe` log; `other` is the rest of `total` (collapsing
    identical records, EM, evidence). Stages the log does not mention are left out, so a
    changed engine's log yields fewer entries rather than wrong ones."""
    found: dict[str, float] = {}
    for name, pattern in _STAGE_PATTERNS.items():
        match = re.search(pattern, log, re.M)
        if match:
            found[name] = float(match.group(1))
    u = re.search(_U_PATTERN, log, re.M)
    if u:
        pairs, rate = (float(g.replace(",", "")) for g in u.groups())
        found["u"] = round(pairs / rate, 2) if rate else 0.0
    if "total" in found:
        known = sum(v for k, v in found.items() if k != "total")
        found["other"] = round(max(0.0, found["total"] - known), 2)
    return found


def available(tree: Path | None = None) -> tuple[bool, str]:
    """Whether `ubr dedupe` exists yet (the engine is being written); the reason if not.
    `tree`: check the code in that folder, the one the run will use (see `command`)."""
    if not UBR.exists():
        return False, f"{UBR} not found (run `make install`)"
    prefix = ["env", f"PYTHONPATH={tree}"] if tree is not None else []
    done = subprocess.run([*prefix, str(UBR), "dedupe", "--help"], capture_output=True,
                          text=True)
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return False, f"`ubr dedupe` is not available yet: {last[0]}"
    return True, ""


if __name__ == "__main__":
    ok, why = available()
    print("ubr dedupe available" if ok else why)
    sys.exit(0 if ok else 1)
