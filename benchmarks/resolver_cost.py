"""What one real-time resolve costs in-process, without HTTP: candidates per request and the
resolver's time, pair by pair (what `ubr serve` runs) next to the batch engine's vectorised
scoring of the same pairs.

    .venv/bin/python benchmarks/resolver_cost.py --businesses 100000

Stages, each printed with its counts and seconds:
1. the demo registers (benchmarks/datasets.py, cached in .bench_cache/), read as `ubr run`
   reads them;
2. linked in this process (`matching.linking.link_records`): the match state the server
   would load; the peak resident memory so far is printed;
3. the resolver built from it (blocking index, population counts);
4. api_latency.py's perturbed queries (seed 42) as the API passes them on (canonical fields),
   prepared; the candidates each finds (mean, p50, p99, max);
5. each query resolved pair by pair, then the vectorised way: mean, p50 and p99 ms.
"""

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.api_latency import make_queries  # noqa: E402
from benchmarks.datasets import demo_registers_dir  # noqa: E402
from canonical.paths import DEFAULT_SOURCES_CONFIG  # noqa: E402
from intake_api.schemas import ResolveRequest  # noqa: E402
from matching.golden.keys import with_record_keys  # noqa: E402
from matching.linking import link_records  # noqa: E402
from matching.resolver import Resolver  # noqa: E402
from sources.config import load_sources  # noqa: E402
from sources.ingest import ingest_source  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def milliseconds(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    return f"mean {ms.mean():.2f} ms, p50 {np.median(ms):.2f}, p99 {np.percentile(ms, 99):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()

    start = time.perf_counter()
    data = demo_registers_dir(args.businesses)
    frames = [ingest_source(s, data).records
              for s in load_sources(DEFAULT_SOURCES_CONFIG).sources]
    records = with_record_keys(pd.concat(frames, ignore_index=True))
    del frames
    print(f"[registers] {args.businesses:,} businesses, {len(records):,} records "
          f"({time.perf_counter() - start:.0f} s)", flush=True)
    start = time.perf_counter()
    state = link_records(records).state
    del records
    print(f"[linked] {time.perf_counter() - start:.0f} s; peak {peak_mib():,.0f} MiB", flush=True)
    start = time.perf_counter()
    resolver = Resolver(state)
    print(f"[resolver] built in {time.perf_counter() - start:.1f} s", flush=True)

    bodies = [ResolveRequest(**q.body).canonical()
              for q in make_queries(args.businesses, args.queries)]
    prepared = [resolver.prepare(body) for body in bodies]
    sizes = np.array([len(resolver.index.candidates(p)[0]) for p in prepared])
    print(f"[queries] {len(bodies):,}; candidates per request: mean {sizes.mean():.1f}, "
          f"p50 {np.median(sizes):.0f}, p99 {np.percentile(sizes, 99):.0f}, max {sizes.max()}")
    for name, resolve in (("pair by pair", resolver.resolve_columns),
                          ("vectorised", resolver.score_as_batch)):
        seconds = []
        for body, ready in zip(bodies, prepared, strict=True):
            begin = time.perf_counter()
            resolve(body, ready)
            seconds.append(time.perf_counter() - begin)
        print(f"[{name}] {milliseconds(seconds)}", flush=True)


if __name__ == "__main__":
    main()
