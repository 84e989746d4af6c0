"""Stage lines: to the Dagster run log, and to the terminal when `ubr run` is watching."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

PROGRESS_LOGGER = logging.getLogger("ubr.progress")


def stage(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext, message: str) -> None:
    context.log.info(message)
    PROGRESS_LOGGER.info(message)


@contextmanager
def timed(
    context: dg.AssetExecutionContext, what: str, unit: str = "rows"
) -> Iterator[dict[str, int]]:
    """Log `what: N rows in S s (R rows/s)`; the caller puts the count in the yielded dict."""
    counter = {"count": 0}
    started = time.perf_counter()
    yield counter
    seconds = time.perf_counter() - started
    rate = counter["count"] / seconds if seconds > 0 else 0.0
    stage(context, f"{what}: {counter['count']:,} {unit} in {seconds:.1f} s ({rate:,.0f} {unit}/s)")
