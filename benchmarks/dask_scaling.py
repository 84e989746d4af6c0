"""Scale-out on Dask (issue 15): the engine on a LocalCluster of 1, 2, 4... workers beside the
in-process engine, on the second generator's records, and what that projects to 20 M records.

    python benchmarks/dask_scaling.py --records 1000000 --workers 1,2,4 [--seed 7]
    python benchmarks/dask_scaling.py --records 200000 --workers 1,2,4 --json /tmp/dask.json

The records (benchmarks/second_generator, a noise model unlike the demo's) are generated once
into .bench_cache/, turned into link_records' input once and written to a Parquet file in a
temporary folder. Every configuration then runs alone in a fresh child process (this script
again, `--child local|dask`), started through benchmarks/quality.py's small launcher, so the
child's peak resident memory (ru_maxrss, also checked against /proc VmHWM) is its own:

- local: `link_records(records, workers=<cores>)`, the in-process engine (forked processes);
  the baseline every Dask run is checked against.
- dask N: `dask_executor(workers=N)` (a LocalCluster of N one-thread worker processes, started
  before the records are read and timed apart), then `link_records(records, executor=ex)`.

Wall seconds are link_records' alone (no cluster start, no Parquet read). Every child reports
its stages' wall seconds (link_records' timings) and the driver process's CPU seconds in each
stage (every thread of it: on a LocalCluster that includes the scheduler and the client's
serialising). A Dask child also reports its workers' own peak memory and the bytes each sent
to other workers (the executor's `worker_stats()`), the bytes the driver sent and received
(the executor's Traffic: broadcast values, partitions, results, as Dask's size estimates),
and every task's compute seconds (Dask's task stream), grouped by task function:

- prepare: standardised_part (standardise + record-level columns, kept on the workers),
  counted_columns (the columns the population statistics count, gathered), with_statistics
  (count-based keys set beside each partition, the partitions gathered); the driver splits
  the records, counts the statistics once and concatenates the prepared partitions.
- block: rule_pairs (the pairs of some key groups of one rule); the driver computes the key
  codes and the membership table (broadcast), then sorts and deduplicates the pair codes.
- compare: chunk_levels; score: compact_scores; evidence: scored_chunk.
- collapse, estimate_u, em and cluster run on the driver alone.

These measured per-partition costs are what the 20 M-record projection is built from. On the
in-process engine, standardising (standardise_records, on forked processes) is timed apart
from the rest of prepare by wrapping it (nothing else in the engine is touched). The parent
scores each run's clusters against the answer key (pairwise F1) and compares them with the
in-process engine's clusters.

On a LocalCluster the scheduler and the nannies live in the driver process: the driver's peak
and CPU seconds include them. On a machine with fewer cores than workers + 1, more workers do
not mean more speed: read the wall seconds with the cores and the load average printed beside
them.
"""

import argparse
import json
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import metrics  # noqa: E402
from benchmarks.datasets import load_second_generator  # noqa: E402
from benchmarks.quality import run_measured  # noqa: E402

STAGES = ("prepare", "collapse", "block", "compare", "estimate_u", "em", "score", "cluster",
          "evidence")
# stage -> the task functions its partitions run as on Dask's workers (matching/*.py); the
# rest of the stage runs on the driver
DISTRIBUTED = {"prepare": ("standardised_part", "counted_columns", "with_statistics"),
               "block": ("rule_pairs",), "compare": ("chunk_levels",),
               "score": ("compact_scores",), "evidence": ("scored_chunk",)}
# what each of those stages leaves on the driver
DRIVER_PART = {
    "prepare": "splitting the records, counting the population statistics, concatenating "
               "the prepared partitions",
    "block": "key codes, the membership table, sorting and deduplicating the pair codes",
    "compare": "the record columns, the pair chunks, gathering the levels",
    "score": "the chunks of pairs and levels, gathering the scores",
    "evidence": "the chosen pairs' chunks, gathering the evidence, expanding collapsed pairs",
}
TARGET_RECORDS = 20_000_000
TARGET_WORKERS = 16
FIXED_SAMPLE = ("estimate_u", "em")  # driver stages on fixed-size samples of pairs
MEMORY_FROM_RECORDS = 1_000_000  # below this, fixed costs dominate the measured peaks
MIB = 1024 * 1024
_RENAME = {"name": "legal_name", "address": "address_line"}


# --- measuring, in the child ------------------------------------------------------------------


def _status_mib(field: str) -> float:
    """A /proc/self/status memory line (VmRSS: now, VmHWM: this process's own peak) in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _worker_figures(dask_worker: Any) -> dict[str, Any]:
    """Run on every worker (client.run): its resident memory now and its own peak (a check on
    the executor's worker_stats())."""
    return {"rss_mib": _status_mib("VmRSS"), "hwm_mib": _status_mib("VmHWM")}


class _StandardiseTimer:
    """In-process engine: seconds spent in standardise_records, prepare's part on forked
    processes (the rest of prepare, record-level columns and population statistics, runs in
    this process). On Dask the driver never calls it: prepare's tasks are timed by Dask."""

    def __init__(self) -> None:
        from matching import standardise

        self.seconds = 0.0
        self._depth = 0
        standardise.standardise_records = self._timed(standardise.standardise_records)

    def _timed(self, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.seconds += time.perf_counter() - start

        return timed


class _DriverCpu:
    """CPU seconds of this (driver) process in each stage, every thread counted: the Linker
    methods and training functions link_records' stage timings surround are wrapped (the
    engine itself is not changed)."""

    METHODS = {"prepare": "prepare", "block": "block", "compare": "levels",
               "score": "score_stream", "evidence": "evidence"}
    FUNCTIONS = {"estimate_u": "estimate_u", "em": "train_model"}

    def __init__(self) -> None:
        from matching import linker

        self.seconds: dict[str, float] = {}
        self._depth: dict[str, int] = {}
        for stage, name in self.METHODS.items():
            setattr(linker.Linker, name, self._timed(stage, getattr(linker.Linker, name)))
        for stage, name in self.FUNCTIONS.items():
            setattr(linker, name, self._timed(stage, getattr(linker, name)))

    def _timed(self, stage: str, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth[stage] = self._depth.get(stage, 0) + 1
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self._depth[stage] -= 1
                if self._depth[stage] == 0:
                    self.seconds[stage] = (self.seconds.get(stage, 0.0)
                                           + time.process_time() - start)

        return timed


def _tag_tasks(client: Any) -> dict[str, str]:
    """Task key -> the task function it runs (the executor wraps every task in _on_worker)."""
    tags: dict[str, str] = {}
    submit = client.map

    def tagged(func: Any, *iterables: Any, **kwargs: Any) -> Any:
        futures = submit(func, *iterables, **kwargs)
        first = iterables[0][0] if iterables and len(iterables[0]) else func
        name = getattr(first, "__name__", str(first))
        tags.update({str(future.key): name for future in futures})
        return futures

    client.map = tagged
    return tags


def _busy_seconds(intervals: list[tuple[float, float]]) -> float:
    """Seconds during which at least one of the intervals runs (their union's length)."""
    busy, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop > end:
            busy += stop - max(start, end)
            end = stop
    return busy


def _task_costs(stream: list[dict], tags: dict[str, str]) -> dict[str, dict[str, float]]:
    """Per task function: tasks, seconds computing (summed over tasks), the longest task,
    seconds spent moving inputs between workers, and per stage of DISTRIBUTED the seconds
    during which any of its tasks computed (Dask's task stream)."""
    out: dict[str, dict[str, float]] = {}
    spans: dict[str, list[tuple[float, float]]] = {}
    stage_of = {task: stage for stage, tasks in DISTRIBUTED.items() for task in tasks}
    for task in stream:
        name = tags.get(str(task["key"]), "other")
        cost = out.setdefault(name, {"tasks": 0, "compute_seconds": 0.0, "max_seconds": 0.0,
                                     "transfer_seconds": 0.0})
        computes = [(s["start"], s["stop"]) for s in task["startstops"]
                    if s["action"] == "compute"]
        computed = sum(stop - start for start, stop in computes)
        spans.setdefault(stage_of.get(name, "other"), []).extend(computes)
        cost["tasks"] += 1
        cost["compute_seconds"] += computed
        cost["max_seconds"] = max(cost["max_seconds"], computed)
        cost["transfer_seconds"] += sum(s["stop"] - s["start"] for s in task["startstops"]
                                        if s["action"] == "transfer")
    found: dict[str, dict[str, float]] = {
        name: {k: round(v, 3) for k, v in cost.items()} for name, cost in out.items()}
    for stage, tasks in DISTRIBUTED.items():
        costs = [out[t] for t in tasks if t in out]
        if costs:
            found["stage:" + stage] = {
                "tasks": sum(c["tasks"] for c in costs),
                "compute_seconds": round(sum(c["compute_seconds"] for c in costs), 3),
                "max_seconds": round(max(c["max_seconds"] for c in costs), 3),
                "transfer_seconds": round(sum(c["transfer_seconds"] for c in costs), 3),
                "busy_seconds": round(_busy_seconds(spans.get(stage, [])), 3)}
    return found


def _run_link(records_path: Path, say: Any, **options: Any) -> tuple[dict[str, Any], Any]:
    """Read the records, link them; (figures, result)."""
    from matching.linking import link_records

    timer = _StandardiseTimer() if "executor" not in options else None
    cpu = _DriverCpu()
    figures: dict[str, Any] = {"driver_rss_before_records_mib": round(_status_mib("VmRSS"), 1)}
    clock = time.perf_counter()
    records = pd.read_parquet(records_path)
    figures["read_seconds"] = round(time.perf_counter() - clock, 2)
    figures["records"] = len(records)
    say(f"read {len(records):,} records in {figures['read_seconds']:.1f}s")
    clock = time.perf_counter()
    result = link_records(records, progress=say, **options)
    figures["wall_seconds"] = round(time.perf_counter() - clock, 2)
    figures["timings"] = {k: round(v, 3) for k, v in result.timings.items()}
    if timer is not None:
        figures["standardise_seconds"] = round(timer.seconds, 3)
    figures["driver_cpu_seconds"] = {k: round(v, 3) for k, v in cpu.seconds.items()}
    figures["candidate_pairs"] = int(len(result.candidates[0]))
    figures["clusters"] = int(result.clusters["cluster_id"].nunique())
    return figures, result


def child(engine: str, workers: int, records_path: Path, out: Path) -> None:
    """One configuration in this (fresh) process: its figures to `out`, its clusters beside."""
    start = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - start:7.1f}s] {message}", flush=True)

    figures: dict[str, Any] = {"engine": engine, "workers": workers}
    if engine == "local":
        measured, result = _run_link(records_path, say, workers=workers)
        figures.update(measured)
    else:
        from distributed import get_task_stream

        from matching.executors import dask_executor

        clock = time.perf_counter()
        with dask_executor(workers=workers) as ex:
            ex.client.wait_for_workers(workers)
            figures["startup_seconds"] = round(time.perf_counter() - clock, 2)
            say(f"cluster of {workers} workers up in {figures['startup_seconds']:.1f}s")
            at_start = ex.client.run(_worker_figures)
            tags = _tag_tasks(ex.client)
            with get_task_stream(client=ex.client) as stream:
                measured, result = _run_link(records_path, say, executor=ex)
            figures.update(measured)
            stats = ex.worker_stats()
            after = ex.client.run(_worker_figures)
            figures["worker_list"] = {
                address: {"peak_mib": round(stats[address]["peak_mib"], 1),
                          "vmhwm_check_mib": round(after[address]["hwm_mib"], 1),
                          "rss_at_start_mib": round(at_start[address]["rss_mib"], 1),
                          "sent_to_workers_bytes": int(stats[address]["sent_to_workers_bytes"])}
                for address in sorted(stats)}
            traffic = ex.traffic
            figures["traffic"] = {"shared_bytes": traffic.shared_bytes,
                                  "task_bytes": traffic.task_bytes,
                                  "result_bytes": traffic.result_bytes, "tasks": traffic.tasks,
                                  "by_stage": dict(traffic.by_stage)}
            figures["task_costs"] = _task_costs(stream.data, tags)
            clock = time.perf_counter()
        figures["shutdown_seconds"] = round(time.perf_counter() - clock, 2)
    figures["driver_peak_mib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["driver_hwm_mib"] = round(_status_mib("VmHWM"), 1)
    result.clusters[["record_key", "cluster_id"]].to_parquet(
        out.with_suffix(".clusters.parquet"), index=False)
    out.write_text(json.dumps(figures, indent=2))
    say(f"done: link_records {figures['wall_seconds']:.1f}s, driver peak "
        f"{figures['driver_peak_mib']:,.0f} MiB")


# --- the harness, in the parent ---------------------------------------------------------------


def machine() -> dict[str, Any]:
    """Cores, memory and load of this machine now."""
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        total = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    return {"cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
            "memory_gib": round(total / 1024 / 1024, 1),
            "load_1min": round(os.getloadavg()[0], 2)}


def link_input(records: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """The second generator's records as link_records input (canonical field names, keys
    "file/record_id"), and the answer key by the same keys."""
    dataset = load_second_generator(records, seed)
    frames = []
    for name, frame in dataset.files.items():
        frame = frame.rename(columns=_RENAME)
        frame.insert(0, "record_key", name + "/" + frame.pop("record_id").astype(str))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), dataset.truth_series()


def run_config(engine: str, workers: int, work: Path, timeout: float | None) -> dict[str, Any]:
    """One configuration in a child process; its figures (or an error)."""
    label = f"{engine} {workers}"
    out = work / f"{engine}_{workers}.json"
    log = work / f"{engine}_{workers}.log"
    load = round(os.getloadavg()[0], 2)
    print(f"start {label} (load {load:.2f})", flush=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", engine,
               "--n", str(workers), "--input", str(work / "records.parquet"), "--out", str(out)]
    measured = run_measured(command, log, timeout)
    row: dict[str, Any] = {"engine": engine, "workers": workers, "load_1min": load}
    if measured.returncode != 0 or not out.exists():
        tail = log.read_text(errors="replace").strip().splitlines()[-30:]
        print(f"end {label}: FAILED (exit {measured.returncode}) after {measured.seconds:.1f}s"
              "\n    " + "\n    ".join(tail), flush=True)
        code = measured.returncode
        why = (f"killed (signal {-code}): " + ("past --timeout" if timeout and
                                                measured.seconds >= timeout
                                                else "out of memory?") if code < 0
               else (tail or [""])[-1][:200])
        return {**row, "error": f"exit {code} after {measured.seconds:.0f}s, {why}"}
    row.update(json.loads(out.read_text()))
    row.update(process_seconds=measured.seconds, process_tree_peak_mib=measured.peak_mb,
               clusters_path=str(out.with_suffix(".clusters.parquet")))
    print(f"end {label}: link_records {row['wall_seconds']:.1f}s"
          + (f" + cluster start {row['startup_seconds']:.1f}s" if "startup_seconds" in row
             else "") + f" (process {measured.seconds:.1f}s)", flush=True)
    return row


def partition_difference(base: pd.DataFrame, other: pd.DataFrame) -> dict[str, Any]:
    """Whether two runs' clusters are the same partition of the same records; if not, how
    many records sit in a cluster that is not exactly one of the other run's."""
    a = base.sort_values("record_key", kind="stable").reset_index(drop=True)
    b = other.sort_values("record_key", kind="stable").reset_index(drop=True)
    if not a["record_key"].equals(b["record_key"]):
        return {"same_clusters": False, "same_cluster_ids": False,
                "why": "the runs clustered different sets of records"}
    left, _ = pd.factorize(a["cluster_id"])  # cluster numbers in record order
    right, _ = pd.factorize(b["cluster_id"])
    same = bool(np.array_equal(left, right))
    out: dict[str, Any] = {"same_clusters": same,
                           "same_cluster_ids": bool(a["cluster_id"].equals(b["cluster_id"]))}
    if not same:
        both = pd.DataFrame({"l": left, "r": right})
        joint = both.groupby(["l", "r"])["l"].transform("size")
        kept = (joint == both.groupby("l")["l"].transform("size")) & (
            joint == both.groupby("r")["r"].transform("size"))
        agreement = metrics.pairwise(pd.Series(right), pd.Series(left))
        out.update(records_in_differing_clusters=int((~kept).sum()),
                   differing_in_process_clusters=int(both.loc[~kept, "l"].nunique()),
                   differing_dask_clusters=int(both.loc[~kept, "r"].nunique()),
                   pairwise_agreement_f1=round(agreement.f1, 6))
    return out


def score(rows: list[dict[str, Any]], truth: pd.Series) -> None:
    """Pairwise F1 of every run, and each Dask run's clusters beside the in-process ones."""
    base = next((r for r in rows if r["engine"] == "local" and "error" not in r), None)
    base_clusters = pd.read_parquet(base["clusters_path"]) if base else None
    for row in rows:
        if "error" in row:
            continue
        clusters = pd.read_parquet(row["clusters_path"])
        found = metrics.pairwise(pd.Series(clusters["cluster_id"].to_numpy(),
                                           index=clusters["record_key"].to_numpy()), truth)
        row.update(pairwise_p=round(found.precision, 4), pairwise_r=round(found.recall, 4),
                   pairwise_f1=round(found.f1, 4))
        if row["engine"] == "dask" and base_clusters is not None:
            row["vs_in_process"] = partition_difference(base_clusters, clusters)


def _mib(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value / MIB:,.{digits}f}"


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None or value != value else f"{value:,.{digits}f}"


def _same(row: dict[str, Any]) -> str:
    if row["engine"] != "dask":
        return "(baseline)"
    found = row.get("vs_in_process")
    if found is None:
        return "– (no baseline)"
    if found["same_clusters"]:
        return "yes"
    if "records_in_differing_clusters" not in found:
        return f"NO: {found['why']}"
    return (f"NO: {found['records_in_differing_clusters']:,} records in "
            f"{found['differing_in_process_clusters']:,} clusters differ")


def table(rows: list[dict[str, Any]]) -> str:
    head = ["engine", "workers", "load", "wall s", "start-up s", "prepare s", "block s",
            "compare s", "score s", "driver peak MiB", "max worker peak MiB", "shipped MiB",
            "results MiB", "worker-to-worker MiB", "tasks", "F1",
            "same clusters as in-process"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['engine']} | {r['workers']} | {r['load_1min']:.2f} | not run: "
                         f"{r['error']} |" + " |" * (len(head) - 4))
            continue
        traffic = r.get("traffic")
        workers = r.get("worker_list", {})
        t = r["timings"]
        cells = [r["engine"], str(r["workers"]), f"{r['load_1min']:.2f}",
                 _num(r["wall_seconds"]), _num(r.get("startup_seconds")),
                 *[_num(t.get(s)) for s in ("prepare", "block", "compare", "score")],
                 _num(r["driver_peak_mib"], 0),
                 _num(max((w["peak_mib"] for w in workers.values()), default=None), 0),
                 _mib(traffic["shared_bytes"] + traffic["task_bytes"] if traffic else None),
                 _mib(traffic["result_bytes"] if traffic else None),
                 _mib(sum(w["sent_to_workers_bytes"] for w in workers.values())
                      if workers else None, 1),
                 f"{traffic['tasks']:,}" if traffic else "–", _num(r["pairwise_f1"], 4),
                 _same(r)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def worker_lines(rows: list[dict[str, Any]]) -> str:
    """Every worker's own peak and what it sent other workers (the executor's worker_stats())."""
    lines = []
    for r in rows:
        if r["engine"] != "dask" or "error" in r:
            continue
        workers = list(r["worker_list"].values())
        lines.append(f"dask {r['workers']}: worker peaks "
                     + ", ".join(f"{w['peak_mib']:,.0f}" for w in workers)
                     + " MiB (at start " + ", ".join(f"{w['rss_at_start_mib']:,.0f}"
                                                     for w in workers)
                     + "); sent to other workers " + ", ".join(
                         _mib(w["sent_to_workers_bytes"], 1) for w in workers) + " MiB")
        off = [w for w in workers
               if abs(w["peak_mib"] - w["vmhwm_check_mib"]) > max(8.0, 0.02 * w["peak_mib"])]
        if off:
            lines.append("    check: worker_stats() peaks differ from the workers' VmHWM read "
                         "after the run: " + ", ".join(
                             f"{w['peak_mib']:,.0f} vs {w['vmhwm_check_mib']:,.0f}"
                             for w in off) + " MiB")
    return "\n".join(lines)


def stages_table(rows: list[dict[str, Any]]) -> str:
    """Wall seconds per stage, and the driver process's CPU seconds in it."""
    head = ["engine", "workers", "seconds", *STAGES, "other", "wall"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if "error" in r:
            continue
        t = r["timings"]
        other = r["wall_seconds"] - sum(t.get(s, 0.0) for s in STAGES)
        lines.append("| " + " | ".join([r["engine"], str(r["workers"]), "wall",
                                        *[_num(t.get(s), 2) for s in STAGES], _num(other, 2),
                                        _num(r["wall_seconds"], 2)]) + " |")
        cpu = r.get("driver_cpu_seconds", {})
        lines.append("| " + " | ".join([r["engine"], str(r["workers"]), "driver CPU",
                                        *[_num(cpu.get(s), 2) for s in STAGES], "", ""]) + " |")
    return "\n".join(lines)


def work_table(rows: list[dict[str, Any]]) -> str:
    """Per Dask run and distributed stage: its tasks' compute seconds and the driver's part."""
    head = ["workers", "stage (tasks)", "tasks", "compute s (sum)", "longest task s",
            "input transfer s", "workers busy s", "stage wall s", "driver only s",
            "driver CPU s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if r["engine"] != "dask" or "error" in r:
            continue
        for stage, tasks in DISTRIBUTED.items():
            cost = r["task_costs"].get("stage:" + stage)
            if not cost:
                continue
            wall = r["timings"].get(stage, 0.0)
            counts = ", ".join(f"{t} {r['task_costs'][t]['tasks']:,}" for t in tasks
                               if t in r["task_costs"])
            lines.append(f"| {r['workers']} | {stage} ({counts}) | {cost['tasks']:,} | "
                         f"{cost['compute_seconds']:.2f} | {cost['max_seconds']:.2f} | "
                         f"{cost['transfer_seconds']:.2f} | {cost['busy_seconds']:.2f} | "
                         f"{wall:.2f} | {max(wall - cost['busy_seconds'], 0.0):.2f} | "
                         f"{_num(r.get('driver_cpu_seconds', {}).get(stage), 2)} |")
        other = {k: v for k, v in r["task_costs"].items()
                 if not k.startswith("stage:") and not any(k in t for t in DISTRIBUTED.values())}
        if other:
            lines.append(f"| {r['workers']} | tasks of no stage above: {json.dumps(other)} |"
                         + " |" * (len(head) - 2))
    return "\n".join(lines)


def project(rows: list[dict[str, Any]], target_records: int = TARGET_RECORDS,
            target_workers: int = TARGET_WORKERS) -> dict[str, Any] | None:
    """Seconds (and, from a run of a million records or more, memory) at `target_records` on
    `target_workers` workers, from the measured costs of the Dask run with the fewest workers
    (its workers and its driver had a core each).

    Distributed stages (prepare, block, compare, score, evidence): their tasks' summed compute
    seconds scale with records (or pairs) and divide by the workers. The driver's part scales
    with records and is added: low takes it as the stage's wall seconds during which none of
    its tasks computed; high as the driver's CPU seconds in the stage when those are more
    (driver work that overlapped the tasks, which faster-finishing workers would not hide).
    Driver stages scale with records ("high"); estimate_u and em work on fixed-size samples, so
    "low" keeps them at their measured seconds. Memory: what the driver and each worker gained
    over their start-up size scales with records (every worker holds the whole broadcast
    population)."""
    runs = [r for r in rows if r["engine"] == "dask" and "error" not in r]
    if not runs:
        return None
    base = min(runs, key=lambda r: r["workers"])
    scale = target_records / base["records"]
    stages: dict[str, dict[str, float]] = {}
    timings = dict(base["timings"])
    timings["other"] = base["wall_seconds"] - sum(base["timings"].get(s, 0.0) for s in STAGES)
    cpu = base.get("driver_cpu_seconds", {})
    for stage in (*STAGES, "other"):
        measured = max(timings.get(stage, 0.0), 0.0)
        if stage in DISTRIBUTED:
            cost = base["task_costs"].get("stage:" + stage, {})
            compute = cost.get("compute_seconds", 0.0)
            driver = max(measured - cost.get("busy_seconds", 0.0), 0.0)
            driver_cpu = cpu.get(stage, 0.0)
            on_workers = compute * scale / target_workers
            stages[stage] = {"measured": measured, "worker_compute": compute,
                             "driver_only": driver, "driver_cpu": driver_cpu,
                             "low": on_workers + driver * scale,
                             "high": on_workers + max(driver, driver_cpu) * scale}
        else:
            low = measured if stage in FIXED_SAMPLE else measured * scale
            stages[stage] = {"measured": measured, "low": low, "high": measured * scale}
    traffic = base["traffic"]
    out: dict[str, Any] = {
        "from": {"engine": "dask", "workers": base["workers"], "records": base["records"]},
        "target_records": target_records, "target_workers": target_workers, "scale": scale,
        "pairs_per_record": base["candidate_pairs"] / base["records"],
        "stages": {k: {n: round(v, 2) for n, v in s.items()} for k, s in stages.items()},
        "low_seconds": round(sum(s["low"] for s in stages.values()), 1),
        "high_seconds": round(sum(s["high"] for s in stages.values()), 1),
        "distributed_low_seconds": round(sum(s["low"] for k, s in stages.items()
                                             if k in DISTRIBUTED), 1),
        "distributed_high_seconds": round(sum(s["high"] for k, s in stages.items()
                                              if k in DISTRIBUTED), 1),
        "broadcast_per_worker_mib": round(
            traffic["shared_bytes"] / max(base["workers"], 1) * scale / MIB),
        "startup_seconds_measured": base["startup_seconds"],
    }
    if base["records"] >= MEMORY_FROM_RECORDS:
        workers = base["worker_list"].values()
        start_w = max(w["rss_at_start_mib"] for w in workers)
        gain_w = max(w["peak_mib"] - w["rss_at_start_mib"] for w in workers)
        start_d = base["driver_rss_before_records_mib"]
        out["driver_peak_mib"] = round(start_d + (base["driver_peak_mib"] - start_d) * scale)
        out["worker_peak_mib"] = round(start_w + gain_w * scale)
    return out


def projection_text(p: dict[str, Any] | None) -> str:
    if p is None:
        return "No Dask run finished: no projection."
    n, w = p["target_records"], p["target_workers"]
    base_workers = p["from"]["workers"]
    lines = [
        f"Projection to {n:,} records on {w} workers (a projection from measured costs, "
        "not a measurement)",
        f"- Measured costs: the Dask run with {base_workers} worker(s) at "
        f"{p['from']['records']:,} records (x{p['scale']:,.0f}); its workers' summed task "
        "compute seconds per stage are the per-partition costs.",
        "- Stages on workers + driver (prepare, block, compare, score, evidence): the task "
        f"compute seconds scale with records (or pairs) and divide by {w}, as if the "
        f"partitions spread evenly over {w} workers with a core each, and nothing else on "
        "the machines. What stays on the driver scales with records and is added (no overlap "
        "assumed): in prepare, splitting the records, counting the population statistics once "
        "over every record, and concatenating the prepared partitions; in block, the key codes "
        "of every rule, the membership table, and sorting and deduplicating every returned "
        "pair code; in compare, score and evidence, cutting the pair chunks and gathering the "
        "results. Low takes the driver's part as the stage's wall seconds during which none "
        "of its tasks computed; high takes the driver process's CPU seconds in the stage when "
        "they are more (work the driver did while the worker computed, which "
        f"{w} faster-finishing workers would no longer hide; on a LocalCluster they include "
        "the scheduler's, which lives in the driver process).",
        f"- Candidate pairs: {p['pairs_per_record']:.2f} per record measured; assumed to grow "
        "linearly with records, as the blocking rules' max_block_size caps stay fixed (more "
        "records per key means more blocks skipped at the caps: recall can change, and "
        "pairs may grow faster than linearly up to the caps).",
        "- Driver stages (collapse, estimate_u, em, cluster, and link_records' work outside "
        "the stages) run on one machine and scale linearly with records (high). estimate_u "
        "draws a fixed sample of random pairs and EM reads at most a fixed number of pairs "
        "per session (config/matching.yaml), so scaling them with records overstates them; "
        "low keeps those two at their measured seconds, which understates the record-level "
        "arrays they build. Sorting and grouping (block's pair sort, prepare's counting, "
        "cluster) grow somewhat faster than linearly; this does not model that.",
        f"- Not included: cluster start-up (measured {p['startup_seconds_measured']:.1f}s "
        "locally; a standing cluster has none), reading input, writing results, and the "
        "network between machines (everything here ran on one host): each worker receives "
        f"about {p['broadcast_per_worker_mib'] / 1024:,.1f} GiB of broadcast values (record "
        "columns, membership table, statistics, model; Dask's size estimates, scaled with "
        f"records), {w} copies in all, plus every partition and result once.",
        "",
        "| stage | where | measured s | task compute s | driver only s | driver CPU s "
        "| projected s (low) | projected s (high) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for stage, s in p["stages"].items():
        where = "workers + driver" if stage in DISTRIBUTED else "driver"
        lines.append(f"| {stage} | {where} | {s['measured']:.2f} | "
                     f"{_num(s.get('worker_compute'), 2)} | {_num(s.get('driver_only'), 2)} | "
                     f"{_num(s.get('driver_cpu'), 2)} | {s['low']:,.0f} | {s['high']:,.0f} |")
    lines += [
        "",
        f"Projected link_records: about {p['low_seconds']:,.0f} to {p['high_seconds']:,.0f} s "
        f"({p['low_seconds'] / 60:,.0f} to {p['high_seconds'] / 60:,.0f} min), of which "
        f"{p['distributed_low_seconds']:,.0f} to {p['distributed_high_seconds']:,.0f} s in the "
        "stages on workers + driver (their driver part included); the driver stages are the "
        "rest, and no number of workers shortens them.",
    ]
    if "driver_peak_mib" in p:
        lines.append(
            f"Memory, scaling what each process gained over its start-up size with records: "
            f"driver about {p['driver_peak_mib'] / 1024:,.1f} GiB, each worker about "
            f"{p['worker_peak_mib'] / 1024:,.1f} GiB. Every worker holds the whole broadcast "
            "population's record columns and the membership table, so worker memory grows "
            "with total records, not with records per worker; but the measured worker"
            + (" also held every prepared partition" if base_workers == 1 else
               f" also held 1/{base_workers} of the prepared partitions")
            + f", which {w} workers share, and fixed-size partitions and samples are scaled "
            "too, so these are upper bounds.")
    else:
        lines.append(f"Memory is not projected from fewer than {MEMORY_FROM_RECORDS:,} "
                     "records: fixed costs (the u sample, EM sessions, imports) dominate the "
                     "peaks there, and scaling them with records would mislead.")
    return "\n".join(lines)


def parse_workers(text: str) -> list[int]:
    return [int(s) for s in re.split(r"[,\s]+", text.strip()) if s]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--workers", default="1,2,4", help="Dask worker counts, e.g. 1,2,4")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--local-workers", type=int, default=None,
                        help="processes of the in-process baseline (default: every core)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per run")
    parser.add_argument("--json", type=Path, default=None, help="write every figure here")
    parser.add_argument("--child", choices=["local", "dask"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.n, args.input, args.out)
        return 0

    host = machine()
    print(f"machine: {host['cores']} cores ({host['usable_cores']} usable), "
          f"{host['memory_gib']} GiB memory, load {host['load_1min']:.2f}", flush=True)
    local_workers = args.local_workers or host["usable_cores"]
    clock = time.perf_counter()
    records, truth = link_input(args.records, args.seed)
    print(f"{len(records):,} records of the second generator (seed {args.seed}) ready in "
          f"{time.perf_counter() - clock:.1f}s", flush=True)
    with tempfile.TemporaryDirectory(prefix="ubr-dask-scaling-") as scratch:
        work = Path(scratch)
        records.to_parquet(work / "records.parquet", index=False)
        del records
        rows = [run_config("local", local_workers, work, args.timeout)]
        rows += [run_config("dask", n, work, args.timeout) for n in parse_workers(args.workers)]
        score(rows, truth)
    plan = project(rows)
    print(f"\n{args.records:,} records; machine: {host['cores']} cores, {host['memory_gib']} GiB;"
          " load = 1-minute load average when the run started\n")
    print(table(rows))
    print("\nshipped = broadcast values + partitions the driver sent, results = what it got "
          "back (the executor's Traffic: Dask's size estimates); worker-to-worker = bytes "
          "workers sent each other (the executor's worker_stats()); worker peak = each "
          "worker's own VmHWM\n")
    print(worker_lines(rows))
    local = [r for r in rows if r["engine"] == "local" and "standardise_seconds" in r]
    print("\nSeconds per stage (wall: link_records' timings; driver CPU: the driver process's "
          "CPU seconds in the stage, every thread; other = link_records outside the stages)"
          + "".join(f"; in-process prepare: {r['standardise_seconds']:.2f}s of its "
                    f"{r['timings'].get('prepare', 0.0):.2f}s standardising on "
                    f"{r['workers']} forked processes" for r in local) + "\n")
    print(stages_table(rows))
    print("\nWork on the workers and on the driver per stage (Dask task stream: compute "
          "seconds summed over tasks; workers busy = seconds during which any of the stage's "
          "tasks computed; driver only = stage wall - workers busy)\n")
    print(work_table(rows))
    for r in rows:
        found = r.get("vs_in_process")
        if found and not found["same_clusters"]:
            print(f"\nDask {r['workers']} clusters differ from the in-process engine's: "
                  f"{json.dumps(found)}")
    print()
    print(projection_text(plan))
    if args.json:
        for r in rows:
            r.pop("clusters_path", None)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": host, "records": args.records,
                                         "seed": args.seed, "runs": rows,
                                         "projection": plan}, indent=2))
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
