"""Partitions of pairs on every core: forked worker processes that inherit the records.

Comparing is a pure function of a partition (compare.py), so partitions can run side by side.
Threads do not help: most of the per-partition work outside rapidfuzz holds the GIL. Forked
processes share the parent's record arrays copy-on-write, so nothing large is sent to them;
each returns its partition's compact result (int8 levels, float32 counts). The parent computes
the first partition itself first, which fills the record-level caches (codes, presence,
token-sorted strings) the workers then inherit instead of rebuilding.

Where fork is unavailable (not Linux) everything runs in the parent.
"""

import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any

from matching import pair_scores

# set in the parent just before the pool forks; read by the workers (inherited, never pickled)
_TASK: Callable[[Any], Any] | None = None


def available_workers() -> int:
    """Cores this process may run on (the default number of workers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _run(item: Any) -> Any:
    assert _TASK is not None
    return _TASK(item)


def _worker_start() -> None:
    # the workers are the parallelism: rapidfuzz runs one thread in each
    pair_scores.CPDIST_WORKERS = 1


def map_partitions(task: Callable[[Any], Any], items: list[Any], workers: int) -> Iterator[Any]:
    """`task(item)` for every item, in order: the first in this process, the rest spread over
    `workers` forked processes (all here when `workers` <= 1 or fork is unavailable)."""
    global _TASK
    if not items:
        return
    yield task(items[0])
    rest = items[1:]
    if workers <= 1 or len(rest) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(task, rest)
        return
    _TASK = task
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(workers, len(rest)), initializer=_worker_start) as pool:
            yield from pool.imap(_run, rest)
    finally:
        _TASK = None
