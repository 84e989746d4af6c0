"""Per-record time to prepare one arriving record: matching/prepare_one.py's fast path against
the batch path on a one-row frame (what Resolver.prepare ran before).

Builds demo registers (1,500 businesses, seed 7), links them for the match state's population
statistics, then prepares N of their records (default 2,000) one at a time both ways and
prints the microseconds per record. The batch path costs ~0.1 s a record, so by default it is
timed on every tenth of those records (`--batch-every 1` times all of them, ~3-4 minutes).

    .venv/bin/python benchmarks/prepare_one_speed.py [--records 2000] [--batch-every 10]
"""

import argparse
import statistics as stats
import tempfile
import time
from pathlib import Path

import pandas as pd

from canonical.paths import DEFAULT_SOURCES_CONFIG
from matching.compare import standard_columns
from matching.golden.keys import with_record_keys
from matching.linking import link_records
from matching.prepare_one import prepare_record
from matching.standardise import INPUT_COLUMNS, standardise_records
from sources.config import load_sources
from sources.demo import generate_demo_registers
from sources.ingest import ingest_source


def demo_records(folder: Path, businesses: int, seed: int) -> pd.DataFrame:
    generate_demo_registers(folder, businesses=businesses, seed=seed)
    frames = [ingest_source(s, folder).records
              for s in load_sources(DEFAULT_SOURCES_CONFIG).sources]
    return with_record_keys(pd.concat(frames, ignore_index=True))


def batch_one(record: dict, statistics, columns: list[str]) -> dict:
    """The batch path on a one-row frame (Resolver.prepare before the fast path)."""
    frame = pd.DataFrame([record])
    prepared = statistics.apply(standard_columns(standardise_records(frame)), counted=False)
    row = prepared[columns].astype(object).iloc[0]
    return {c: (None if not isinstance(v, list) and pd.isna(v) else v) for c, v in row.items()}


def per_record_us(function, records: list[dict]) -> list[float]:
    times = []
    for record in records:
        start = time.perf_counter()
        function(record)
        times.append((time.perf_counter() - start) * 1e6)
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (f"mean {stats.fmean(times):9,.1f} us  median {stats.median(times):9,.1f} us  "
            f"p99 {p99:9,.1f} us  max {ordered[-1]:9,.1f} us  ({len(times):,} records)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--batch-every", type=int, default=10,
                        help="time the batch path on every k-th record (1: all)")
    parser.add_argument("--businesses", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        records = demo_records(Path(folder), args.businesses, args.seed)
    state = link_records(records).state
    columns = [c for c in state.records.columns if c != "record_key"]
    sample = records.sample(n=min(args.records, len(records)), random_state=args.seed)
    inputs = [{c: (None if pd.isna(v) else v) for c, v in zip(INPUT_COLUMNS, row, strict=True)}
              for row in sample[list(INPUT_COLUMNS)].itertuples(index=False)]
    print(f"{len(records):,} demo records; preparing {len(inputs):,} of them one at a time")

    def fast(record: dict) -> dict:
        return prepare_record(record, state.statistics, columns)

    def batch(record: dict) -> dict:
        return batch_one(record, state.statistics, columns)

    fast(inputs[0]), batch(inputs[0])  # imports, vocabularies, the statistics' dictionaries
    first = per_record_us(fast, inputs)
    again = per_record_us(fast, inputs)
    slow = per_record_us(batch, inputs[::args.batch_every])
    print(f"fast path, first pass: {summary(first)}")
    print(f"fast path, again:      {summary(again)}")
    print(f"batch path (one row):  {summary(slow)}")
    print(f"speed-up (means): {stats.fmean(slow) / stats.fmean(again):,.0f}x")


if __name__ == "__main__":
    main()
