"""Whole-engine speed and memory of UBR and Splink on the demo registers, size by size.

    python benchmarks/speed.py --sizes 10000,100000,1000000 [--tools ubr,splink]

For each size (number of businesses; the four registers hold about 3.8 records per business)
the registers are generated once into .bench_cache/, prepared once into the contract's CSVs,
then each tool runs alone in its own subprocess: wall time from start to exit and the
subprocess's own peak resident memory (wait4 rusage), imports and I/O included. Both tools'
outputs are then scored against the answer key, so speed is never reported without the quality
it bought.
"""

import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import ubr_runner  # noqa: E402
from benchmarks.datasets import CACHE, load_demo_registers  # noqa: E402
from benchmarks.quality import _fmt, evaluate, run_measured, tool_command  # noqa: E402


def run_size(
    businesses: int, tools: list[str], work: Path, score: bool = True,
    timeout: float | None = None,
) -> list[dict]:
    """Both tools on the demo registers of one size; one row per tool."""
    clock = time.perf_counter()
    dataset = load_demo_registers(businesses)
    inputs = work / f"demo-{businesses}" / "input"
    mapping, files = dataset.write(inputs)
    prepare_seconds = round(time.perf_counter() - clock, 1)
    rows = []
    for tool in tools:
        row: dict = {"businesses": businesses, "records": dataset.records, "tool": tool,
                     "prepare_seconds": prepare_seconds}
        if tool == "ubr":
            ok, why = ubr_runner.available()
            if not ok:
                rows.append({**row, "error": why})
                continue
        out_dir = work / f"demo-{businesses}" / tool
        measured = run_measured(
            tool_command(tool, dataset, mapping, files, out_dir, ubr_options=("--candidates",)),
            out_dir.with_suffix(".log"),
            timeout,
        )
        row.update(seconds=measured.seconds, peak_mb=measured.peak_mb)
        if measured.returncode != 0 or not (out_dir / "clusters.csv").exists():
            log = out_dir.with_suffix(".log").read_text(errors="replace").strip().splitlines()
            row["error"] = f"exit {measured.returncode}: {(log or [''])[-1][:200]}"
        elif score:
            row.update(evaluate(dataset, out_dir))
        rows.append(row)
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    return rows


def table(rows: list[dict]) -> str:
    """Markdown table of the speed runs."""
    head = ("| businesses | records | tool | seconds | records/s | peak MB | pairwise F1 | B³ F1 "
            "| candidate pairs | blocking recall |")
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['businesses']:,} | {r['records']:,} | {r['tool']} "
                         f"| not run: {r['error']} |  |  |  |  |  |  |")
            continue
        rate = r["records"] / r["seconds"] if r.get("seconds") else None
        cells = [f"{r['businesses']:,}", f"{r['records']:,}", r["tool"], _fmt(r["seconds"], 1),
                 _fmt(rate, 0), _fmt(r["peak_mb"], 0), _fmt(r.get("pairwise_f1")),
                 _fmt(r.get("bcubed_f1")), _fmt(r.get("candidate_pairs")),
                 _fmt(r.get("blocking_recall"))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_speed(sizes: list[int], tools: list[str], work: Path, score: bool = True,
              timeout: float | None = None) -> list[dict]:
    rows = []
    for size in sizes:
        rows.extend(run_size(size, tools, work, score, timeout))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--tools", default="ubr,splink")
    parser.add_argument("--work", type=Path, default=CACHE / "runs")
    parser.add_argument("--no-score", action="store_true", help="time only, skip the scoring")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per tool run")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = run_speed(sizes, args.tools.split(","), args.work, not args.no_score, args.timeout)
    print(table(rows))
    args.work.mkdir(parents=True, exist_ok=True)
    (args.work / "speed.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
