"""The golden step alone, as a first run: the plan's seconds and peak memory, then each
table's write, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/golden_write.py --businesses 100000 --backend both --rounds 2

The whole job runs once per size and backend to build a store (kept under
.bench_cache/golden_write_<size>_<backend>/, reused by later calls); each round then copies
that store with its golden tables emptied and its run marked running again (SQLite: a file
copy; PostgreSQL: `CREATE DATABASE ... TEMPLATE`), and a child process plans the golden run
from the job's own stage files (canonical_records, record_matches) and writes it, timing each
table. The job's figures mix the golden step with everything around it (pipeline_speed.py);
these isolate it, so that one change can be measured before and after on a noisy machine.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.datasets import CACHE, demo_registers_dir  # noqa: E402
from benchmarks.pipeline_speed import POSTGRES_ADMIN_URL, SECRETS  # noqa: E402

GOLDEN_TABLES = ("match_evidence", "review_queue", "events", "business_values",
                 "field_provenance", "cross_reference_history", "cross_reference", "golden_runs",
                 "businesses")


def _admin() -> sa.Engine:
    return sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


def build_store(businesses: int, backend: str) -> tuple[Path, str]:
    """A store after one whole job (built once, then reused): its folder and URL."""
    work = CACHE / f"golden_write_{businesses}_{backend}"
    name = f"ubr_golden_write_{businesses}"
    url = (f"sqlite:///{work / 'registry.sqlite'}" if backend == "sqlite" else
           sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False))
    if (work / "built.json").exists():
        return work, url
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if backend == "postgresql":
        with _admin().connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    data = demo_registers_dir(businesses)
    environment = {**os.environ, **SECRETS, "UBR_DATA_DIR": str(data), "UBR_DATABASE_URL": url,
                   "UBR_HOME": str(work / "home"), "DAGSTER_HOME": str(work / "dagster_home")}
    print(f"building the {backend} store: the whole job on {businesses:,} businesses",
          flush=True)
    ubr = Path(sys.executable).with_name("ubr")
    subprocess.run([str(ubr), "run"], env=environment, check=True, stdout=subprocess.DEVNULL)
    (work / "built.json").write_text(json.dumps({"url": url, "data": str(data)}))
    return work, url


def emptied_copy(work: Path, url: str, backend: str) -> str:
    """A copy of the built store with no golden registry and its run running again."""
    if backend == "sqlite":
        copy = work / "round.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        source = sa.create_engine(url)
        with source.connect() as connection:  # everything in the main file before copying
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        source.dispose()
        shutil.copy(work / "registry.sqlite", copy)
        target = f"sqlite:///{copy}"
    else:
        database = sa.make_url(url).database
        with _admin().connect() as connection:
            connection.execute(sa.text('DROP DATABASE IF EXISTS "ubr_golden_round" WITH (FORCE)'))
            connection.execute(sa.text(
                f'CREATE DATABASE "ubr_golden_round" TEMPLATE "{database}"'))
        target = sa.make_url(url).set(database="ubr_golden_round").render_as_string(False)
    engine = sa.create_engine(target)
    with engine.begin() as connection:
        for table in GOLDEN_TABLES:
            connection.execute(sa.text(f"DELETE FROM {table}"))
        connection.execute(sa.text("UPDATE runs SET status = 'running'"))
    engine.dispose()
    return target


def _child(url: str, stage: Path) -> dict[str, Any]:
    """Plan and write the golden run in this process; seconds, rows and peak memory."""
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            with open("/proc/self/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        peak[0] = max(peak[0], int(line.split()[1]) / 1024)
            done.wait(0.05)

    threading.Thread(target=sample, daemon=True).start()
    from matching.golden.publish import plan_golden_run
    from pipelines.memory import release_unused_memory
    from registry import bulk, upgrade
    from registry.golden_store import GoldenStore
    from registry.stage_files import load_stage

    upgrade(url)
    records = load_stage(stage / "canonical_records")
    matches = load_stage(stage / "record_matches")
    golden = GoldenStore(url)
    with golden.engine.connect() as connection:
        run_id = connection.execute(sa.text("SELECT run_id FROM runs")).scalar()
    started = time.perf_counter()
    changes = plan_golden_run(run_id, records, matches, golden.previous_state(),
                              golden.steward_decisions(), golden.provenance)
    planned = time.perf_counter()
    plan_peak = peak[0]
    del records, matches
    release_unused_memory()
    tables: dict[str, list[float]] = {}
    insert = bulk.insert_frame

    def timed(connection: Any, table: Any, frame: Any, *args: Any, **kwargs: Any) -> int:  # noqa: ANN401
        began = time.perf_counter()
        rows = insert(connection, table, frame, *args, **kwargs)
        tables[table.name] = [rows, round(time.perf_counter() - began, 2)]
        return rows

    bulk.insert_frame = timed
    golden.apply_run(run_id, changes)
    written = time.perf_counter()
    done.set()
    return {"plan_seconds": round(planned - started, 2),
            "write_seconds": round(written - planned, 2),
            "plan_peak_mib": round(plan_peak), "peak_mib": round(peak[0]), "tables": tables}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], Path(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        work, url = build_store(args.businesses, backend)
        for round_number in range(1, args.rounds + 1):
            target = emptied_copy(work, url, backend)
            done = subprocess.run([sys.executable, __file__, "--child", target,
                                   str(work / "home" / "stage")],
                                  capture_output=True, text=True, check=False)
            lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
            if done.returncode != 0 or not lines:
                raise SystemExit(f"round {round_number} failed:\n{done.stderr[-2000:]}")
            row = json.loads(lines[-1])
            slowest = ", ".join(f"{name} {rows:,} rows {seconds:.1f} s" for name, (rows, seconds)
                                in sorted(row["tables"].items(), key=lambda t: -t[1][1])[:5])
            print(f"{args.businesses:,} businesses, {backend}, round {round_number}: plan "
                  f"{row['plan_seconds']:.1f} s (peak {row['plan_peak_mib']:,} MiB), write "
                  f"{row['write_seconds']:.1f} s; {slowest}; load "
                  f"{os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
