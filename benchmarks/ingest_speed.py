"""How fast each demo register is ingested and then validated, with peak memory per source.

    .venv/bin/python benchmarks/ingest_speed.py                       # 1,000,000 businesses
    .venv/bin/python benchmarks/ingest_speed.py --businesses 100000

Generates the demo registers once into .bench_cache/ (shared with benchmarks/speed.py), then
ingests and validates each source in its own process, so that peak memory (ru_maxrss) is that
source's own. Prints, per source, ingestion rows/s, validation seconds (GX suite included, its
import excluded) next to ingestion seconds, and peak memory.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ingest_one(source_id: str, data_dir: Path) -> dict[str, object]:
    """Run in a child process: ingest one source and report its figures as JSON."""
    from sources.config import load_sources
    from sources.ingest import ingest_source

    config = load_sources(ROOT / "config" / "sources.yaml").get(source_id)
    started = time.perf_counter()
    batch = ingest_source(config, data_dir)
    seconds = time.perf_counter() - started
    import great_expectations  # noqa: F401  - its import (~4 s) is paid once per process

    from expectations.validate import validate_source

    started = time.perf_counter()
    outcome = validate_source(batch.records, config, raw_columns=batch.raw_columns)
    validation_seconds = time.perf_counter() - started
    return {
        "validation_seconds": round(validation_seconds, 2),
        "validation_quarantined": len(outcome.quarantine),
        "source": source_id, "format": config.format.value, "rows": batch.rows_read,
        "accepted": batch.rows_accepted, "quarantined": batch.rows_quarantined,
        "seconds": round(seconds, 2), "rows_per_s": round(batch.rows_read / seconds),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--child", nargs=2, metavar=("SOURCE", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(ingest_one(args.child[0], Path(args.child[1]))))
        return
    from benchmarks.datasets import demo_registers_dir

    started = time.perf_counter()
    data_dir = demo_registers_dir(args.businesses, args.seed)  # generated once, then cached
    print(f"demo registers ready in {data_dir} ({time.perf_counter() - started:.0f} s)")
    print(f"\nIngestion and validation of the demo registers, {args.businesses:,} businesses")
    print(f"{'source':<8} {'format':<7} {'rows':>10} {'ingest s':>9} {'rows/s':>9} "
          f"{'validate s':>10} {'quarantined':>11} {'peak MiB':>9}")
    total_rows = total_seconds = total_validation = 0.0
    for source in ("rjsc", "wcb", "revenue", "permits"):
        child = subprocess.run(
            [sys.executable, __file__, "--child", source, str(data_dir)],
            check=True, capture_output=True, text=True)
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        total_rows += figures["rows"]
        total_seconds += figures["seconds"]
        total_validation += figures["validation_seconds"]
        quarantined = figures["quarantined"] + figures["validation_quarantined"]
        print(f"{figures['source']:<8} {figures['format']:<7} {figures['rows']:>10,} "
              f"{figures['seconds']:>9.1f} {figures['rows_per_s']:>9,} "
              f"{figures['validation_seconds']:>10.1f} {quarantined:>11,} "
              f"{figures['peak_mib']:>9,}")
    print(f"{'all':<8} {'':<7} {int(total_rows):>10,} {total_seconds:>9.1f} "
          f"{int(total_rows / total_seconds):>9,} {total_validation:>10.1f}")


if __name__ == "__main__":
    main()
