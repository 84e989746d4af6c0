"""Whole-engine speed and memory of UBR and Splink side by side, size by size.

    python benchmarks/speed.py --sizes 10000,100000,1000000 [--tools ubr,splink]
    python benchmarks/speed.py --dataset second --sizes 100000,1000000

`--dataset demo` (the default): sizes are businesses of the demo registers (the four
registers hold about 3.8 records per business; 266,000 businesses make about a million
records). `--dataset second`: sizes are records of the second generator
(benchmarks/second_generator, a noise model unlike the demo's). Each data set is generated
once into .bench_cache/ and prepared once into the contract's CSVs; then each tool runs alone
in its own subprocess: wall time from start to exit and the subprocess's own peak resident
memory (wait4 rusage), imports and I/O included. Both tools' outputs are then scored against
the answer key, so speed is never reported without the quality it bought. Each row keeps the
1-minute load average when the tool started, and where the tool's time went (UBR's stage
lines, Splink's timings.json).
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import ubr_runner  # noqa: E402
from benchmarks.datasets import (  # noqa: E402
    CACHE,
    Dataset,
    load_demo_registers,
    load_second_generator,
    safe_name,
)
from benchmarks.quality import _fmt, evaluate, run_measured, tool_command  # noqa: E402

DATASETS = ("demo", "second")


def load_sized(kind: str, size: int) -> Dataset:
    """The demo registers of `size` businesses, or `size` records of the second generator."""
    if kind == "demo":
        return load_demo_registers(size)
    if kind == "second":
        return load_second_generator(size)
    raise ValueError(f"unknown data set {kind!r}; known: {', '.join(DATASETS)}")


def stage_seconds(tool: str, out_dir: Path) -> dict[str, float]:
    """Where a finished run's time went: UBR's stage lines from its log (read, prepare,
    block, compare, u, score, cluster, write, total), Splink's timings.json."""
    if tool == "splink":
        path = out_dir / "timings.json"
        return json.loads(path.read_text())["timings"] if path.exists() else {}
    log = out_dir.with_suffix(".log")
    return ubr_runner.stage_seconds(log.read_text(errors="replace")) if log.exists() else {}


def run_size(
    size: int, tools: list[str], work: Path, score: bool = True,
    timeout: float | None = None, kind: str = "demo", ubr_tree: Path | None = None,
) -> list[dict]:
    """Both tools on one data set of one size; one row per tool."""
    clock = time.perf_counter()
    dataset = load_sized(kind, size)
    inputs = work / safe_name(dataset.name) / "input"
    mapping, files = dataset.write(inputs)
    prepare_seconds = round(time.perf_counter() - clock, 1)
    entities = int(dataset.truth["entity"].nunique())
    rows = []
    for tool in tools:
        row: dict = {"dataset": kind, "businesses": entities, "records": dataset.records,
                     "tool": tool, "prepare_seconds": prepare_seconds}
        if tool == "ubr":
            ok, why = ubr_runner.available(ubr_tree)
            if not ok:
                rows.append({**row, "error": why})
                continue
        out_dir = work / safe_name(dataset.name) / tool
        if tool == "ubr":
            row["ubr_code"] = str(ubr_tree) if ubr_tree is not None else "checkout"
        row["load_1min"] = round(os.getloadavg()[0], 2)
        measured = run_measured(
            tool_command(tool, dataset, mapping, files, out_dir, ubr_options=("--candidates",),
                         ubr_tree=ubr_tree),
            out_dir.with_suffix(".log"),
            timeout,
        )
        row.update(seconds=measured.seconds, peak_mb=measured.peak_mb)
        if measured.returncode != 0 or not (out_dir / "clusters.csv").exists():
            log = out_dir.with_suffix(".log").read_text(errors="replace").strip().splitlines()
            row["error"] = f"exit {measured.returncode}: {(log or [''])[-1][:200]}"
        else:
            row["stages"] = stage_seconds(tool, out_dir)
            if score:
                row.update(evaluate(dataset, out_dir))
        rows.append(row)
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    return rows


def table(rows: list[dict]) -> str:
    """Markdown table of the speed runs."""
    head = ("| data set | businesses | records | tool | seconds | records/s | peak MB "
            "| pairwise F1 | B³ F1 | candidate pairs | blocking recall | load |")
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        kind = r.get("dataset", "demo")
        if "error" in r:
            lines.append(f"| {kind} | {r['businesses']:,} | {r['records']:,} | {r['tool']} "
                         f"| not run: {r['error']} |  |  |  |  |  |  |  |")
            continue
        rate = r["records"] / r["seconds"] if r.get("seconds") else None
        cells = [kind, f"{r['businesses']:,}", f"{r['records']:,}", r["tool"],
                 _fmt(r["seconds"], 1), _fmt(rate, 0), _fmt(r["peak_mb"], 0),
                 _fmt(r.get("pairwise_f1")), _fmt(r.get("bcubed_f1")),
                 _fmt(r.get("candidate_pairs")), _fmt(r.get("blocking_recall")),
                 _fmt(r.get("load_1min"), 1)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def stages_table(rows: list[dict]) -> str:
    """Markdown table of where each run's seconds went (stage -> seconds)."""
    names: list[str] = []
    for r in rows:
        names += [k for k in r.get("stages", {}) if k not in names]
    lines = ["| data set | records | tool | " + " | ".join(names) + " |",
             "|" + "---|" * (3 + len(names))]
    for r in rows:
        if "stages" in r:
            cells = [_fmt(r["stages"].get(k), 1) for k in names]
            lines.append(f"| {r.get('dataset', 'demo')} | {r['records']:,} | {r['tool']} | "
                         + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_speed(sizes: list[int], tools: list[str], work: Path, score: bool = True,
              timeout: float | None = None, kind: str = "demo",
              ubr_tree: Path | None = None) -> list[dict]:
    rows = []
    for size in sizes:
        rows.extend(run_size(size, tools, work, score, timeout, kind, ubr_tree))
    return rows


def parse_sizes(text: str) -> list[int]:
    """"100000,1e6" -> [100000, 1000000]."""
    return [int(float(s)) for s in re.split(r"[,\s]+", text.strip()) if s]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=DATASETS, default="demo",
                        help="demo: sizes are businesses; second: sizes are records")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--tools", default="ubr,splink")
    parser.add_argument("--work", type=Path, default=CACHE / "runs")
    parser.add_argument("--no-score", action="store_true", help="time only, skip the scoring")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per tool run")
    parser.add_argument("--ubr-tree", type=Path, default=None,
                        help="run UBR's code from this folder (e.g. `git archive COMMIT | tar "
                        "-x -C DIR`): a baseline commit's engine while the checkout changes")
    args = parser.parse_args(argv)
    rows = run_speed(parse_sizes(args.sizes), args.tools.split(","), args.work,
                     not args.no_score, args.timeout, args.dataset, args.ubr_tree)
    print(table(rows))
    print(stages_table(rows))
    args.work.mkdir(parents=True, exist_ok=True)
    (args.work / f"speed_{args.dataset}.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
