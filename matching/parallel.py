"""Partitions of work on every core: forked worker processes that inherit the parent's data.

Comparing pairs and standardising distinct values are pure functions of their partition, so
partitions can run side by side. Threads do not help: most of that work outside rapidfuzz and
pyarrow's kernels holds the GIL. Forked processes share the parent's arrays copy-on-write, so
nothing large is sent to them; each returns its partition's compact result.

`map_partitions(task, items, workers)` runs the first item in this process before forking
(it fills the record-level caches the workers then inherit: codes, presence, token-sorted
names), the rest on the workers. `split_map(task, items, workers)` runs every item at once,
the first here while the workers run the rest. `using_workers(n)` sets how many workers the
standardisers' `split_map` calls may use (the linker sets it; the default is one process).
Where fork is unavailable (not Linux) everything runs in this process.
"""

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from matching import pair_scores

# set in the parent just before a pool forks; read by its workers (inherited, never pickled)
_TASK: Callable[[Any], Any] | None = None
_WORKERS: ContextVar[int] = ContextVar("ubr_matching_workers", default=1)


class WorkerDied(RuntimeError):
    """A forked worker ended before returning its partition."""


def available_workers() -> int:
    """Cores this process may run on (the default number of workers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def current_workers() -> int:
    """Workers the enclosing `using_workers` allows (1 outside any)."""
    return _WORKERS.get()


@contextmanager
def using_workers(workers: int) -> Iterator[None]:
    """Let the standardisers run on `workers` processes inside this block."""
    token = _WORKERS.set(max(1, workers))
    try:
        yield
    finally:
        _WORKERS.reset(token)


def _run(item: Any) -> Any:
    assert _TASK is not None
    return _TASK(item)


def _worker_start() -> None:
    # a worker dies when told to: the parent may have installed handlers that only set a flag
    # (Dagster does while it runs a step), which a forked worker would otherwise inherit
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # the workers are the parallelism: rapidfuzz runs one thread in each
    pair_scores.CPDIST_WORKERS = 1


def _can_fork(workers: int, items: int) -> bool:
    return workers > 1 and items >= 2 and "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def _pool(task: Callable[[Any], Any], processes: int) -> Iterator[ProcessPoolExecutor]:
    """Forked workers that run `task`. A worker that dies (the kernel's out-of-memory killer,
    a crash) fails the call with WorkerDied instead of leaving it waiting; on the way out the
    workers are asked to stop, not signalled, and pending partitions are cancelled."""
    global _TASK
    _TASK = task
    executor = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_worker_start)
    try:
        yield executor
    except BrokenProcessPool as exc:
        raise WorkerDied(
            "a matching worker process stopped before it finished (the system kills processes "
            "when memory runs out): run again with fewer workers (`--workers 1` runs all in "
            "one process) or on a machine with more memory") from exc
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        _TASK = None


def map_partitions(task: Callable[[Any], Any], items: list[Any], workers: int) -> Iterator[Any]:
    """`task(item)` for every item, in order: the first in this process, then the rest spread
    over `workers` forked processes (all here when `workers` <= 1 or fork is unavailable)."""
    if not items:
        return
    yield task(items[0])
    rest = items[1:]
    if not _can_fork(workers, len(rest)):
        yield from map(task, rest)
        return
    with _pool(task, min(workers, len(rest))) as pool:
        yield from pool.map(_run, rest)


def split_map(task: Callable[[Any], Any], items: list[Any], workers: int) -> list[Any]:
    """`task(item)` for every item, in order, all at once: the first here while `workers` - 1
    forked processes run the others."""
    if not _can_fork(workers, len(items)):
        return [task(item) for item in items]
    with _pool(task, min(workers - 1, len(items) - 1)) as pool:
        pending = [pool.submit(_run, item) for item in items[1:]]
        first = task(items[0])
        return [first, *(future.result() for future in pending)]
