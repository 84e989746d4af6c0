"""The whole job (`ubr run`'s Dagster job) on the demo registers: seconds and peak memory per
stage, a first run on an empty registry and a second on unchanged input.

    .venv/bin/python benchmarks/pipeline_speed.py --businesses 100000 --backend sqlite
    .venv/bin/python benchmarks/pipeline_speed.py --businesses 100000,1000000 --backend both

The registers are generated once into .bench_cache/ (benchmarks/datasets.py). Each run happens
in a child process of its own (a fresh store, UBR_HOME and DAGSTER_HOME under a scratch folder;
on PostgreSQL a scratch database `ubr_bench_<uuid8>`, dropped afterwards), so its peak resident
memory (ru_maxrss) is the job's own. A thread samples the child's resident memory every 0.2 s;
each stage's peak is the highest sample inside the stage's step window (Dagster's step stats).
Stages group the steps: ingest+validate (every ingested_*/validated_* step and their checks),
canonical (the store write of the batches), matching, golden, publication.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.datasets import demo_registers_dir  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SECRETS = {name: f"benchmark-only-key-{name.lower()}-0123456789abcdef"
           for name in ("UBR_SHARING_SECRET_RJSC", "UBR_SHARING_SECRET_WCB",
                        "UBR_SHARING_SECRET_PERMITS")}
STAGES = (("ingest+validate", ("ingested_", "validated_")), ("canonical", ("canonical_records",)),
          ("matching", ("record_matches",)), ("golden", ("golden_records",)),
          ("publication", ("registry_publication", "shares_honour")))


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _child(data: Path, url: str, home: Path, dagster_home: Path,
           full: bool = False) -> dict[str, Any]:
    """One run of the job in this process; stage seconds and peaks, as JSON-ready data.

    `full`: a full run even when the last run's match state could be updated incrementally."""
    os.environ.update({"UBR_DATA_DIR": str(data), "UBR_DATABASE_URL": url,
                       "UBR_HOME": str(home), "DAGSTER_HOME": str(dagster_home), **SECRETS})
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.time(), _rss_mib()))
            done.wait(0.2)

    threading.Thread(target=sample, daemon=True).start()
    started = time.time()
    import dagster as dg

    from canonical.paths import DEFAULT_SOURCES_CONFIG
    from pipelines.definitions import JOB_NAME, build_definitions
    from pipelines.execution import execute_without_capture
    from ubr_cli.run import QUIET_DAGSTER, ensure_dagster_home, read_everything_config

    ensure_dagster_home()
    with dg.DagsterInstance.get() as instance:
        ops = read_everything_config(DEFAULT_SOURCES_CONFIG) if full else {}
        config = {**QUIET_DAGSTER, "ops": {**ops, "record_matches": {"config": {"full": full}}}}
        result = execute_without_capture(build_definitions().resolve_job_def(JOB_NAME),
                                         instance, config)  # as `ubr run` runs it
        steps = instance.get_run_step_stats(result.run_id)
        matching = [e.materialization.metadata for e in result.get_asset_materialization_events()
                    if e.asset_key == dg.AssetKey("record_matches")]
    done.set()
    wall = time.time() - started
    stages: dict[str, dict[str, float]] = {}
    for name, prefixes in STAGES:
        mine = [s for s in steps if s.step_key.startswith(prefixes) and s.end_time]
        if not mine:
            continue
        first, last = min(s.start_time for s in mine), max(s.end_time for s in mine)
        peak = max((rss for at, rss in samples if first <= at <= last), default=0.0)
        stages[name] = {"seconds": round(last - first, 1), "peak_mib": round(peak)}
    return {"success": result.success, "wall_seconds": round(wall, 1),
            "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "stages": stages,
            "steps": {s.step_key: round(s.end_time - s.start_time, 2) for s in steps
                      if s.end_time and s.start_time},
            "matching": {key: matching[0][key].value for key in ("mode", "records_by_change")
                         if key in matching[0]} if matching else {}}


def scratch_database(backend: str, work: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{work / 'registry.sqlite'}", None
    name = f"ubr_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False), name


def drop_database(name: str | None) -> None:
    if name is None:
        return
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def measure(businesses: int, backend: str, runs: int) -> list[dict[str, Any]]:
    """`runs` runs of the job on one store: the first builds it, the others find no change."""
    data = demo_registers_dir(businesses)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ubr-pipeline-") as scratch:
        work = Path(scratch)
        url, database = scratch_database(backend, work)
        try:
            for run in range(1, runs + 1):
                row = run_child(data, url, work)
                row.update(businesses=businesses, backend=backend, run=run)
                rows.append(row)
                print(_line(row), flush=True)
        finally:
            drop_database(database)
    return rows


def run_child(data: Path, url: str, work: Path, full: bool = False) -> dict[str, Any]:
    """One run of the job in a child process on the store at `url`; its figures."""
    command = [sys.executable, __file__, "--child", str(data), url, str(work / "home"),
               str(work / "dagster_home"), *(["--full"] if full else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"a run on {data} failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1])


def _line(row: dict[str, Any]) -> str:
    stages = ", ".join(f"{name} {s['seconds']:.1f} s / {s['peak_mib']:,} MiB"
                       for name, s in row["stages"].items())
    return (f"{row['businesses']:,} businesses, {row['backend']}, run {row['run']}: "
            f"{row['wall_seconds']:.1f} s, peak {row['peak_mib']:,} MiB "
            f"({'ok' if row['success'] else 'FAILED'}); {stages}")


def table(rows: list[dict[str, Any]]) -> str:
    names = [name for name, _ in STAGES]
    head = ["businesses", "backend", "run", "wall s", "peak MiB",
            *[f"{n} s / MiB" for n in names]]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [f"{row['businesses']:,}", row["backend"], str(row["run"]),
                 f"{row['wall_seconds']:.1f}", f"{row['peak_mib']:,}"]
        cells += [(f"{row['stages'][n]['seconds']:.1f} / {row['stages'][n]['peak_mib']:,}"
                   if n in row["stages"] else "") for n in names]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        data, url, home, dagster_home = sys.argv[2:6]
        print(json.dumps(_child(Path(data), url, Path(home), Path(dagster_home),
                                full="--full" in sys.argv[6:])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", default="100000",
                        help="comma-separated sizes (businesses; ~3.76 records each)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--runs", type=int, default=2,
                        help="runs per store: the first builds it, the others find no change")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    rows = [row for size in map(int, args.businesses.split(","))
            for backend in backends for row in measure(size, backend, args.runs)]
    print(f"\nload average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores\n")
    print(table(rows))


if __name__ == "__main__":
    main()
