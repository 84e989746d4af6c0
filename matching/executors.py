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
import weakref
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

    def keep(self, task: Callable[..., Any], items: list[Any], *shared: Any) -> list[Any]:
        """`map`, its results left where they were computed: handles that later `map` or
        `keep` calls take as items (a partition read twice is not sent back and forth)."""


class LocalExecutor:
    """Forked worker processes on this machine: shared values are inherited, never copied."""

    distributed = False

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or parallel.available_workers()

    def share(self, value: Any) -> Any:
        return value

    def map(self, task: Callable[..., Any], items: list[Any], *shared: Any) -> Iterator[Any]:
        return parallel.map_partitions(lambda item: task(item, *shared), items, self.workers)

    def keep(self, task: Callable[..., Any], items: list[Any], *shared: Any) -> list[Any]:
        return list(self.map(task, items, *shared))


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

    A task whose worker dies is run again on another worker by the scheduler (up to Dask's
    `distributed.scheduler.allowed-failures` deaths per task); the broadcast values are on
    every worker, so losing one loses no input. A task that raises is not retried: the
    engine's tasks are deterministic, and the error reaches the caller as it is.
    """

    distributed = True

    def __init__(self, client: Any) -> None:
        self.client = client
        self.traffic = Traffic()
        self._shared: dict[int, tuple[weakref.ref, Any]] = {}  # id -> (value, future)

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def share(self, value: Any) -> Any:
        """Broadcast `value` to every worker, once: sharing it again reuses the copies."""
        from dask.sizeof import sizeof

        known = self._shared.get(id(value))
        if known is not None and known[0]() is value:
            return known[1]
        future = self.client.scatter(value, broadcast=True, hash=False)
        # the workers' copies go once the driver's value is gone and no task or caller holds
        # the future (one run's records, not every run's): forgetting the value drops only
        # this memo's reference, as a map still to be submitted may hold the future
        key = id(value)
        self._shared[key] = (weakref.ref(value, lambda _ref: self._shared.pop(key, None)),
                             future)
        self.traffic.shared_bytes += sizeof(value) * max(self.workers, 1)
        return future

    def keep(self, task: Callable[..., Any], items: list[Any], *shared: Any) -> list[Any]:
        return self._submit(task, items, shared)

    def map(self, task: Callable[..., Any], items: list[Any], *shared: Any) -> Iterator[Any]:
        from dask.sizeof import sizeof

        if not items:
            return
        futures = self._submit(task, items, shared)
        name = getattr(task, "__name__", "task")
        try:
            for future in futures:
                try:
                    result = future.result()
                except _cluster_losses() as exc:
                    raise ClusterError(
                        f"the Dask cluster could not finish the {name} tasks "
                        f"({type(exc).__name__}: its workers died, or the scheduler stopped); "
                        "nothing of this run was written: check the cluster and run again"
                        ) from None
                self.traffic.result_bytes += sizeof(result)
                future.release()
                yield result
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def _submit(self, task: Callable[..., Any], items: list[Any],
                shared: tuple[Any, ...]) -> list[Any]:
        from dask.sizeof import sizeof
        from distributed import Future

        name = getattr(task, "__name__", "task")
        shared_futures = [s for s in shared if any(s is f for _, f in self._shared.values())]
        if shared_futures:  # copies dropped by Dask's memory manager come back first
            self.client.replicate(shared_futures)
        self.traffic.tasks += len(items)
        self.traffic.by_stage[name] = self.traffic.by_stage.get(name, 0) + len(items)
        self.traffic.task_bytes += sum(sizeof(item) for item in items
                                       if not isinstance(item, Future))
        return self.client.map(_on_worker, [task] * len(items), items,
                               *[[s] * len(items) for s in shared], pure=False)

    def worker_stats(self) -> dict[str, dict[str, float]]:
        """Each worker's own peak memory (MiB) and the bytes it sent to other workers (not
        the results it returned to this process)."""
        peers = list(self.client.scheduler_info(n_workers=-1)["workers"])
        return self.client.run(_worker_stats, peers)


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


def _worker_stats(peers: list[str], dask_worker: Any = None) -> dict[str, float]:
    sent = sum(int(entry["compressed"]) for entry in list(dask_worker.transfer_outgoing_log)
               if entry["who"] in peers)  # not the results gathered for the driver
    return {"peak_mib": _own_peak_mib(), "sent_to_workers_bytes": float(sent)}


def _own_peak_mib() -> float:
    """This process's own peak resident memory (VmHWM): ru_maxrss would count the peak of the
    process it was forked from."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    # the memory manager would drop the broadcast copies between stages, and the next
    # stage's tasks fetch them back from other workers: each worker keeps its copy instead
    with dask.config.set({"distributed.worker.memory.spill": False,
                          "distributed.worker.memory.target": False,
                          "distributed.scheduler.active-memory-manager.start": False}):
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
