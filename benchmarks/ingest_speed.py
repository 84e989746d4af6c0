"""How fast each demo register is read and mapped to canonical records, with peak memory.

    .venv/bin/python benchmarks/ingest_speed.py                       # 1,000,000 businesses
    .venv/bin/python benchmarks/ingest_speed.py --businesses 100000

Generates the demo registers once into .bench_cache/demo-<N> (reused when present), then
ingests each source in its own process so that peak memory (ru_maxrss) is that source's own.
Prints rows/s and peak memory per source.
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


def ensure_registers(businesses: int, seed: int) -> Path:
    from sources.demo import generate_demo_registers

    out = ROOT / ".bench_cache" / f"demo-{businesses}-{seed}"
    if not (out / "manifest.json").exists():
        started = time.perf_counter()
        generate_demo_registers(out, businesses=businesses, seed=seed,
                                progress=lambda line: print("  " + line, flush=True))
        print(f"generated {businesses:,} businesses in {time.perf_counter() - started:.1f} s")
    return out


def ingest_one(source_id: str, data_dir: Path) -> dict[str, object]:
    """Run in a child process: ingest one source and report its figures as JSON."""
    from sources.config import load_sources
    from sources.ingest import ingest_source

    config = load_sources(ROOT / "config" / "sources.yaml").get(source_id)
    started = time.perf_counter()
    batch = ingest_source(config, data_dir)
    seconds = time.perf_counter() - started
    return {
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
    data_dir = ensure_registers(args.businesses, args.seed)
    print(f"\nIngestion of the demo registers, {args.businesses:,} businesses")
    print(f"{'source':<8} {'format':<7} {'rows':>10} {'quarantined':>11} {'seconds':>8} "
          f"{'rows/s':>9} {'peak MiB':>9}")
    total_rows = total_seconds = 0.0
    for source in ("rjsc", "wcb", "revenue", "permits"):
        child = subprocess.run(
            [sys.executable, __file__, "--child", source, str(data_dir)],
            check=True, capture_output=True, text=True)
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        total_rows += figures["rows"]
        total_seconds += figures["seconds"]
        print(f"{figures['source']:<8} {figures['format']:<7} {figures['rows']:>10,} "
              f"{figures['quarantined']:>11,} {figures['seconds']:>8.1f} "
              f"{figures['rows_per_s']:>9,} {figures['peak_mib']:>9,}")
    print(f"{'all':<8} {'':<7} {int(total_rows):>10,} {'':>11} {total_seconds:>8.1f} "
          f"{int(total_rows / total_seconds):>9,}")


if __name__ == "__main__":
    main()
