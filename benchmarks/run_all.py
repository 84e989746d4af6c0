"""Every benchmark in one command: match quality, then speed, then BENCHMARKS.md.

    python benchmarks/run_all.py                                  # quality + 10k, 100k
    python benchmarks/run_all.py --sizes 10000,100000,1000000 --update-md   # the full run

Quality runs UBR and Splink on FEBRL 3, FEBRL 4 and dedupe-examples; speed runs both on the
demo registers at each size (businesses) and on the second generator at each of
--second-sizes (records). With --update-md the tables and the machine description in
BENCHMARKS.md (between the <!-- ...:begin/end --> markers) are replaced by this run's.
"""

import argparse
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import quality, speed  # noqa: E402
from benchmarks.datasets import CACHE, QUALITY_SETS, REPO  # noqa: E402

PACKAGES = ("splink", "duckdb", "pandas", "numpy", "rapidfuzz", "scipy", "ubr")


def machine() -> dict[str, str]:
    """What the figures were measured on: cores, memory, CPU, versions, code revision."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                            capture_output=True, text=True).stdout.strip()
    return {
        "cores (nproc)": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "os": platform.platform(),
        "load average at start (1/5/15 min)": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "commit": commit,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _replace(text: str, marker: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {marker}:begin -->\n).*?(<!-- {marker}:end -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"BENCHMARKS.md has no <!-- {marker}:begin/end --> markers")
    return pattern.sub(lambda m: m.group(1) + body.rstrip() + "\n" + m.group(2), text)


def update_markdown(path: Path, command: str, info: dict[str, str], quality_md: str,
                    speed_md: str) -> None:
    """Put this run's machine, command and tables into BENCHMARKS.md between its markers."""
    machine_md = "\n".join(f"- {k}: {v}" for k, v in info.items()) + f"\n- command: `{command}`"
    text = path.read_text()
    text = _replace(text, "machine", machine_md)
    if quality_md:
        text = _replace(text, "quality", quality_md)
    if speed_md:
        text = _replace(text, "speed", speed_md)
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(QUALITY_SETS),
                        help="quality data sets; empty to skip the quality part")
    parser.add_argument("--sizes", default="10000,100000",
                        help="demo register sizes (businesses); empty to skip the speed part")
    parser.add_argument("--second-sizes", default="100000",
                        help="second generator sizes (records); empty to skip")
    parser.add_argument("--tools", default="ubr,splink")
    parser.add_argument("--work", type=Path, default=CACHE / "runs")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per tool run")
    parser.add_argument("--update-md", action="store_true",
                        help="write the results into BENCHMARKS.md")
    args = parser.parse_args(argv)
    tools = args.tools.split(",")
    args.work.mkdir(parents=True, exist_ok=True)
    info = machine()

    quality_rows = []
    if args.datasets:
        quality_rows = quality.run_quality(args.datasets.split(","), tools, args.work, True)
        print(quality.table(quality_rows), flush=True)
    speed_rows = []
    if args.sizes:
        speed_rows = speed.run_speed(speed.parse_sizes(args.sizes), tools, args.work, True,
                                     args.timeout)
    if args.second_sizes:
        speed_rows += speed.run_speed(speed.parse_sizes(args.second_sizes), tools, args.work,
                                      True, args.timeout, kind="second")
    if speed_rows:
        print(speed.table(speed_rows), flush=True)
        print(speed.stages_table(speed_rows), flush=True)

    (args.work / "run_all.json").write_text(json.dumps(
        {"machine": info, "quality": quality_rows, "speed": speed_rows}, indent=2))
    if args.update_md:
        command = "python benchmarks/run_all.py " + " ".join(argv or sys.argv[1:])
        update_markdown(REPO / "BENCHMARKS.md", command.strip(), info,
                        quality.table(quality_rows) if quality_rows else "",
                        speed.table(speed_rows) if speed_rows else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
