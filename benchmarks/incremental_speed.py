"""Incremental runs against full runs (issue 13): the whole job on the demo registers, a day
with about 1 % of the records changed and a day with nothing changed, each next to a full run
of the same registry, with their ratios.

    .venv/bin/python benchmarks/incremental_speed.py --businesses 100000 --backend sqlite

Runs, each in a child process of its own on one scratch store (benchmarks/pipeline_speed.py):
1. a first, full run on an empty registry (it leaves the match state);
2. nothing changed, as an operator or the nightly schedule meets it: `ubr run` on the same
   extracts, which finds nothing to do and starts no run (pipelines/pending_work.py);
3. nothing changed, the job run anyway (what a run costs when only, say, a steward decision
   is new);
4. a day's changes: the companies and revenue extracts with `--change` of their rows moved
   (a new address), corrected (a new name), removed or added (new businesses, new program
   accounts of known ones);
5. a full run (`ubr run --full`) on those same extracts: the time a day costs without
   incremental runs.
The goal: a day's changes in at most 10 % of a full run, nothing changed in at most 5 %.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.datasets import demo_registers_dir  # noqa: E402
from benchmarks.pipeline_speed import (  # noqa: E402
    SECRETS,
    drop_database,
    run_child,
    scratch_database,
)

COMPANIES = Path("rjsc") / "companies.csv"
REVENUE = Path("revenue") / "registrants.jsonl"


def change_companies(path: Path, share: float, rng: random.Random) -> int:
    """Move, rename, remove and add `share` of the rows of the companies CSV (as bytes, the
    file's own encoding untouched); returns the rows touched."""
    head, *rows = path.read_bytes().splitlines(keepends=True)
    n = int(len(rows) * share)
    chosen = rng.sample(range(len(rows)), n)
    quarter = max(n // 4, 1)
    for k in chosen[:quarter]:  # moved: a new street number
        rows[k] = rows[k].replace(b" Street,", f" Street Unit {rng.randint(2, 99)},".encode(), 1)
    for k in chosen[quarter:2 * quarter]:  # renamed: a corrected legal name
        fields = rows[k].split(b",", 3)
        if len(fields) == 4:
            fields[2] = fields[2] + b" Corrected"
            rows[k] = b",".join(fields)
    removed = set(chosen[2 * quarter:3 * quarter])
    added = [b"99" + rows[k] for k in chosen[3 * quarter:]]  # a new id: new registrations
    kept = [row for k, row in enumerate(rows) if k not in removed]
    path.write_bytes(b"".join([head, *kept, *added]))
    return n


def change_revenue(path: Path, share: float, rng: random.Random) -> int:
    """New program accounts of known registrants and changed mailing addresses."""
    lines = path.read_bytes().splitlines(keepends=True)
    n = int(len(lines) * share)
    chosen = rng.sample(range(len(lines)), n)
    for k in chosen[: n // 2]:
        lines[k] = lines[k].replace(b'"mailing_address":"', b'"mailing_address":"PO Box 7 ', 1)
    added = [lines[k].replace(b'RT0001"', b'RZ0009"').replace(b'RC0001"', b'RZ0008"')
             for k in chosen[n // 2:]]
    path.write_bytes(b"".join([*lines, *[a for a in added if a not in lines]]))
    return n


def ubr_run_child(data: Path, url: str, work: Path) -> dict[str, Any]:
    """`ubr run` as an operator types it, on the store the job runs used: its wall time
    (from the process start, imports included) and peak memory; mode says whether it ran."""
    env = {**os.environ, **SECRETS, "UBR_HOME": str(work / "home"),
           "DAGSTER_HOME": str(work / "dagster_home"), "COLUMNS": "200"}
    command = [str(Path(sys.executable).with_name("ubr")), "run", "--data-dir", str(data),
               "--database-url", url]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, env=env)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"`ubr run` on {data} failed:\n{output[-2000:]}")
    return {"success": True, "wall_seconds": round(wall, 1),
            "peak_mib": round(usage.ru_maxrss / 1024), "stages": {},
            "matching": {"mode": "no run needed" if "no run needed" in output else "ran"}}


def measure(businesses: int, backend: str, share: float) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="ubr-incremental-") as scratch:
        work = Path(scratch)
        data = work / "data"
        shutil.copytree(demo_registers_dir(businesses), data)
        url, database = scratch_database(backend, work)
        try:
            def run(name: str, full: bool = False) -> None:
                row = run_child(data, url, work, full)
                row.update(businesses=businesses, backend=backend, run=name)
                rows.append(row)
                print(_line(row), flush=True)

            run("first (full)")
            skipped = ubr_run_child(data, url, work)
            skipped.update(businesses=businesses, backend=backend, run="nothing changed: ubr run")
            rows.append(skipped)
            print(_line(skipped), flush=True)
            run("nothing changed: the job run anyway")
            rng = random.Random(13)
            touched = change_companies(data / COMPANIES, share, rng)
            touched += change_revenue(data / REVENUE, share, rng)
            print(f"changed {touched:,} rows of the companies and revenue extracts", flush=True)
            run("a day's changes")
            run("full on the same day", full=True)
        finally:
            drop_database(database)
    return rows


def _line(row: dict[str, Any]) -> str:
    stages = ", ".join(f"{name} {s['seconds']:.1f} s" for name, s in row["stages"].items())
    change = row.get("matching", {}).get("records_by_change", {})
    counts = ", ".join(f"{k} {v:,}" for k, v in change.items())
    return (f"{row['businesses']:,} businesses, {row['backend']}, {row['run']}: "
            f"{row['wall_seconds']:.1f} s, peak {row['peak_mib']:,} MiB "
            f"({'ok' if row['success'] else 'FAILED'}; {row.get('matching', {}).get('mode')}); "
            f"{stages}; records: {counts}" + _slowest_steps(row))


def _slowest_steps(row: dict[str, Any], n: int = 8) -> str:
    steps = sorted(row.get("steps", {}).items(), key=lambda item: -item[1])[:n]
    return ("\n    slowest steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps)
            if steps else "")


def table(rows: list[dict[str, Any]]) -> str:
    out = ["| businesses | backend | run | mode | wall s | peak MiB | matching s | golden s | "
           "new / changed / removed | share of the full run |", "|" + "---|" * 10]
    full = {(r["businesses"], r["backend"]): r["wall_seconds"] for r in rows
            if r["run"] == "full on the same day"}
    for r in rows:
        change = r.get("matching", {}).get("records_by_change", {})
        base = full.get((r["businesses"], r["backend"]))
        out.append("| " + " | ".join([
            f"{r['businesses']:,}", r["backend"], r["run"], str(r.get("matching", {}).get("mode")),
            f"{r['wall_seconds']:.1f}", f"{r['peak_mib']:,}",
            f"{r['stages'].get('matching', {}).get('seconds', 0):.1f}",
            f"{r['stages'].get('golden', {}).get('seconds', 0):.1f}",
            f"{change.get('new', 0):,} / {change.get('changed', 0):,} / "
            f"{change.get('removed', 0):,}",
            f"{r['wall_seconds'] / base:.0%}" if base else ""]) + " |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", default="100000", help="comma-separated sizes")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--change", type=float, default=0.01,
                        help="share of the companies and revenue rows a day changes")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    rows = [row for size in map(int, args.businesses.split(","))
            for backend in backends for row in measure(size, backend, args.change)]
    print(f"\nload average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores\n")
    print(table(rows))


if __name__ == "__main__":
    main()
