"""How fast the registry store writes and reads source records, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/store_write.py                # 1,000,000 rows, both backends
    .venv/bin/python benchmarks/store_write.py --rows 200000 --backend sqlite

Each backend runs in its own process so that peak memory (ru_maxrss) is its own. The
PostgreSQL run creates a scratch database on UBR_TEST_POSTGRES_URL's server and drops it.
Figures: first save (insert), replacing save (delete + insert), load (read + conform).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from canonical.quarantine import quarantine_frame  # noqa: E402
from canonical.schema import conform  # noqa: E402
from registry import RegistryStore  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def synthetic_records(rows: int, seed: int = 7) -> pd.DataFrame:
    """Canonical records shaped like the demo registers (lengths, nulls, accents, dates)."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("WCB-", np.arange(rows).astype(str))
    words = np.array(["Boulangerie", "Côté", "Atlantic", "Fisheries", "Érablière", "Holdings",
                      "Maritime", "Services", "Construction", "Lévesque", "Harbour", "Trucking"])
    names = pd.Series(words[rng.integers(0, len(words), rows)]).str.cat(
        [pd.Series(words[rng.integers(0, len(words), rows)]), pd.Series(["Ltd."] * rows)], sep=" "
    )
    days = rng.integers(0, 20000, rows)
    dates = np.datetime64("1970-01-01") + days.astype("timedelta64[D]")
    null = rng.random(rows) < 0.2
    frame = pd.DataFrame({
        "source": "wcb",
        "source_record_id": ids,
        "source_file": "wcb_employers.csv",
        "source_line": np.arange(2, rows + 2),
        "record_hash": pd.util.hash_array(ids).astype(str),
        "business_type": "corporation",
        "legal_name": names,
        "operating_name": names.where(~null),
        "legal_form": "Ltd.",
        "business_number": pd.Series(rng.integers(100000000, 999999999, rows)).astype(str),
        "status": "active",
        "registration_date": dates,
        "status_date": pd.Series(dates).where(~null),
        "address_type": "business",
        "address_line": pd.Series(rng.integers(1, 9999, rows)).astype(str) + " Rue Principale",
        "city": "Halifax",
        "province": "NS",
        "postal_code": "B3H 1A1",
        "phone": "902-555-0100",
        "owner_name": pd.Series(["Zoë Tremblay"] * rows).where(null),
    })
    return conform(frame)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(url: str, rows: int) -> dict[str, float]:
    """Save twice (insert, then replace) and load once: wall seconds, rows/s, client CPU s.

    Client CPU (this process only; the PostgreSQL server's work is not in it) is the figure
    that survives a busy machine: wall time also counts waiting for a core.
    """
    records = synthetic_records(rows)
    figures: dict[str, float] = {"rows": rows}
    with RegistryStore(url) as store:
        store.migrate()
        for label in ("insert", "replace"):
            run_id = store.start_run("bench", "bench")
            started, cpu = time.perf_counter(), _cpu_seconds()
            store.save_source_batch(run_id, "wcb", records, quarantine_frame(),
                                    [("wcb_employers.csv", label, 1, rows)], rows)
            seconds = time.perf_counter() - started
            figures[f"{label}_s"] = round(seconds, 2)
            figures[f"{label}_client_cpu_s"] = round(_cpu_seconds() - cpu, 2)
            figures[f"{label}_rows_per_s"] = round(rows / seconds)
        started, cpu = time.perf_counter(), _cpu_seconds()
        loaded = store.load_source_records()
        seconds = time.perf_counter() - started
        assert len(loaded) == rows
        figures["load_s"] = round(seconds, 2)
        figures["load_client_cpu_s"] = round(_cpu_seconds() - cpu, 2)
        figures["load_rows_per_s"] = round(rows / seconds)
    figures["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    figures["load_avg_1m"] = round(os.getloadavg()[0], 1)
    figures["frame_mib"] = round(records.memory_usage(deep=True).sum() / 2**20)
    return figures


def run_backend(backend: str, rows: int) -> dict[str, float]:
    """Measure one backend on a scratch database (this process)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            return measure(f"sqlite:///{folder}/bench.sqlite", rows)
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"ubr_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name)
        return measure(url.render_as_string(hide_password=False), rows)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--json", action="store_true", help="print one JSON line (internal)")
    args = parser.parse_args()
    if args.backend != "both":
        figures = run_backend(args.backend, args.rows)
        print(json.dumps(figures) if args.json else f"{args.backend}: {figures}")
        return
    for backend in ("sqlite", "postgresql"):
        output = subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--backend", backend, "--json"],
            capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]
        figures = json.loads(output)
        print(f"{backend:>10}: " + ", ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
