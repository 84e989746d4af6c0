"""Validation speed and peak memory per source on a 1,000,000-business-sized canonical frame.

Compares with reading a CSV of the same rows with pandas (the ingestion yardstick). The frame
is synthetic (expectations.synthetic: same columns and dtypes as a reader's output) until
sources.demo.generate_demo_registers exists. Peak memory is resident memory above the level
before the call.

    .venv/bin/python benchmarks/validation_speed.py --rows 1000000 --sources 2
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from expectations import validate_source  # noqa: E402
from expectations.gx_runner import import_gx  # noqa: E402
from expectations.synthetic import synthetic_canonical_frame, synthetic_config  # noqa: E402

T = TypeVar("T")


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak(fn: Callable[[], T]) -> tuple[T, float, float, float]:
    """Run fn; return (result, wall s, CPU s, peak resident MiB above the level before it).

    CPU time is reported next to wall time because the benchmark machines are shared.

    RSS is sampled every 20 ms in a thread (tracemalloc would slow pandas several-fold).
    """
    base = _rss_mib()
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _rss_mib())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    done.set()
    sampler.join()
    return result, seconds, cpu, max(peak[0], _rss_mib()) - base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sources", type=int, default=2)
    parser.add_argument("--bad-share", type=float, default=0.01)
    parser.add_argument("--no-docs", action="store_true", help="skip building GX Data Docs")
    args = parser.parse_args()

    started = time.perf_counter()
    import_gx()
    print(f"GX import (once per process): {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(args.sources):
            source_id = f"source_{number + 1}"
            frame = synthetic_canonical_frame(args.rows, source_id, seed=number,
                                              bad_share=args.bad_share)
            size = frame.memory_usage(deep=True).sum() / 2**20
            csv = Path(tmp) / f"{source_id}.csv"
            frame.to_csv(csv, index=False)
            _, read_s, read_cpu, read_mib = _peak(lambda csv=csv: pd.read_csv(csv, dtype=str))
            docs = None if args.no_docs else Path(tmp) / "docs"
            outcome, seconds, cpu, peak = _peak(
                lambda frame=frame, source_id=source_id, docs=docs: validate_source(
                    frame, synthetic_config(source_id), data_docs_dir=docs)
            )
            steps = ", ".join(f"{k} {v:.1f} s" for k, v in outcome.timings.items())
            print(
                f"{source_id}: {len(frame):,} rows ({size:.0f} MiB in memory): validation "
                f"{seconds:.1f} s wall / {cpu:.1f} s CPU, peak +{peak:.0f} MiB [{steps}]; "
                f"pandas read_csv of the same rows {read_s:.1f} s wall / {read_cpu:.1f} s CPU, "
                f"peak +{read_mib:.0f} MiB; "
                f"{len(outcome.quarantine):,} quarantined, batch_passed={outcome.batch_passed}"
            )


if __name__ == "__main__":
    main()
