"""Where the engine's partitions run: forked processes on this machine, or a Dask cluster.

The heavy stages (standardising records, comparing and scoring candidate pairs) are pure
functions of a partition plus some data every partition reads (the prepared records, the
model). An executor runs `task(item, *shared)` for every item, in order:

    executor = LocalExecutor(workers=2)          # forked processes (matching/parallel.py)
    with dask_executor(scheduler=None, workers=2) as executor:   # a Dask cluster
        shared = executor.share(record_columns)  # sent once to each worker, not per task
        results = list(executor.map(compare_chunk, chunks, shared))

`share` is what makes a cluster worth it: the population's arrays and the model are
broadcast once and each task ships only its own partition (pair positions, a slice of
records). Task functions must be module-level (importable on the workers).
"""

import logging
import resource
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from matching import parallel

ENGINES = ("local", "dask")


class ClusterError(RuntimeError):
    """The cluster could not finish a stage (workers lost beyond the retries, scheduler gone)."""


class Executor(Protocol):
    """Runs partition tasks; `distributed` says whether they leave this process's memory."""

    distributed: bool

    def share(self, value: Any) -> Any:
        """A handle on `value` that tasks receive as the value itself."""

    def map(self, task: Callable[..., Any], items: list[Any], *shared: Any) -> Iterator[Any]:
        """`task(item, *shared)` for every item, results in the order of `items`."""


class LocalExecutor:
    """Forked worker processes on this machine: shared values are inherited, never copied."""

    distributed = False

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or parallel.available_workers()

    def share(self, value: Any) -> Any:
        return value

    def map(self, task: Callable[..., Any], items: list[Any], *shared: Any) -> Iterator[Any]:
        return parallel.map_partitions(lambda item: task(item, *shared), items, self.workers)


@dataclass
class Traffic:
    """Bytes the driver sent to and received from the cluster (Dask's own size estimates)."""

    shared_bytes: int = 0  # broadcast values, counted once per worker they reach
    task_bytes: int = 0  # the partitions themselves
    result_bytes: int = 0
    tasks: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)  # tasks per task function


class DaskExecutor:
    """Partitions as Dask tasks on a cluster (dask.distributed futures).

    Tasks that fail because a worker died are retried on another worker (`retries`); the
    broadcast values are on every worker, so losing one loses no input.
    """

    distributed = True

    def __init__(self, client: Any, retries: int = 2) -> None:
        self.client = client
        self.retries = retries
        self.traffic = Traffic()
        self._shared: dict[int, tuple[Any, Any]] = {}  # id -> (value, future): sent once


    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def share(self, value: Any) -> Any:
        """Broadcast `value` to every worker, once: sharing it again reuses the copies."""
        from dask.sizeof import sizeof

        if id(value) in self._shared:
            return self._shared[id(value)][1]
        future = self.client.scatter(value, broadcast=True, hash=False)
        self._shared[id(value)] = (value, future)  # holding value keeps its id unique
        measured = vars(value) if hasattr(value, "__dict__") else value  # frames inside
        self.traffic.shared_bytes += sizeof(measured) * max(self.workers, 1)
        return future

    def map(self, task: Callable[..., Any], items: list[Any], *shared: Any) -> Iterator[Any]:
        from dask.sizeof import sizeof

        if not items:
            return
        name = getattr(task, "__name__", "task")
        self.traffic.tasks += len(items)
        self.traffic.by_stage[name] = self.traffic.by_stage.get(name, 0) + len(items)
        self.traffic.task_bytes += sum(sizeof(item) for item in items)
        futures = self.client.map(_on_worker, [task] * len(items), items,
                                  *[[s] * len(items) for s in shared],
                                  retries=self.retries, pure=False, key=None)
        try:
            for future in futures:
                try:
                    result = future.result()
                except _cluster_losses() as exc:
                    raise ClusterError(
                        f"the Dask cluster could not finish the {name} tasks "
                        f"({type(exc).__name__}: workers lost beyond {self.retries} retries, or "
                        "the scheduler stopped); nothing of this run was written: check the "
                        "cluster and run again") from None
                self.traffic.result_bytes += sizeof(result)
                future.release()
                yield result
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def worker_stats(self) -> dict[str, dict[str, float]]:
        """Each worker's peak memory (MiB) and bytes it sent to other workers."""
        return self.client.run(_worker_stats)


def _cluster_losses() -> tuple[type[BaseException], ...]:
    """What `Future.result()` raises when the cluster, not the task, failed."""
    from concurrent.futures import CancelledError

    from distributed.comm import CommClosedError
    from distributed.scheduler import KilledWorker

    return KilledWorker, CancelledError, CommClosedError, TimeoutError


def _on_worker(task: Callable[..., Any], item: Any, *shared: Any) -> Any:
    # one task per worker thread is the parallelism: rapidfuzz runs one thread inside it
    from matching import pair_scores

    pair_scores.CPDIST_WORKERS = 1
    return task(item, *shared)


def _worker_stats(dask_worker: Any) -> dict[str, float]:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_mib": peak_kib / 1024,
            "sent_to_workers_bytes": float(dask_worker.transfer_outgoing_bytes_total)}


@contextmanager
def dask_executor(scheduler: str | None = None, workers: int | None = None,
                  memory_limit: str | None = None) -> Iterator[DaskExecutor]:
    """A DaskExecutor on the cluster at `scheduler` (e.g. tcp://10.0.0.5:8786), or on a
    LocalCluster of `workers` processes (one thread each) on this machine when none is given.

    A local cluster never spills partitions to disk: they hold the registers' records, and
    spilled files would sit outside the registry's protections (docs/scale-out.md)."""
    import dask
    from distributed import Client, LocalCluster

    quiet = {"silence_logs": logging.WARNING}
    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except OSError as exc:
            raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler}: {exc}; "
                                  "check the address (tcp://host:8786) and that it is "
                                  "running") from None
        try:
            yield DaskExecutor(client)
        finally:
            client.close()
        return
    with dask.config.set({"distributed.worker.memory.spill": False,
                          "distributed.worker.memory.target": False}):
        cluster = LocalCluster(n_workers=workers or parallel.available_workers(),
                               threads_per_worker=1, processes=True,
                               dashboard_address="127.0.0.1:0",
                               memory_limit=memory_limit or 0, **quiet)
        client = Client(cluster)
        try:
            yield DaskExecutor(client)
        finally:
            client.close()
            cluster.close()


@contextmanager
def executor_for(engine: str = "local", scheduler: str | None = None,
                 workers: int | None = None) -> Iterator[Executor]:
    """The executor an `--engine` choice names: 'local' (forked processes, the default) or
    'dask' (the cluster at `scheduler`, or a LocalCluster of `workers` processes)."""
    if engine == "local":
        if scheduler:
            raise ValueError("a Dask scheduler address needs the dask engine (--engine dask)")
        yield LocalExecutor(workers)
    elif engine == "dask":
        with dask_executor(scheduler, workers) as executor:
            yield executor
    else:
        raise ValueError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
