"""The Dask engine (issue 15) gives the in-process engine's answer, and survives a lost worker.

Every test runs a real 2-worker LocalCluster (spawned processes, one thread each): the
records, model and statistics travel to the workers as they would to a remote cluster.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from benchmarks.datasets import Dataset, load_dedupe_examples, load_febrl3, prepare_registers
from matching.executors import ClusterError, DaskExecutor, dask_executor, executor_for
from matching.linking import link_records
from sources.demo import generate_demo_registers

REPO = Path(__file__).resolve().parents[1]
UBR = Path(sys.executable).with_name("ubr")
_FIELDS = {"name": "legal_name", "address": "address_line"}


@pytest.fixture(scope="module")
def cluster() -> DaskExecutor:
    with dask_executor(workers=2) as executor:
        yield executor


def _records(dataset: Dataset) -> pd.DataFrame:
    """The data set's files as link_records input (canonical field names, unique keys)."""
    frames = []
    for name, frame in dataset.files.items():
        frame = frame.rename(columns=_FIELDS)
        frame.insert(0, "record_key", name + "/" + frame.pop("record_id").astype(str))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _demo_records(tmp_path: Path) -> pd.DataFrame:
    """The demo registers of 400 businesses (four registers, French and English), read and
    mapped by the project's own readers."""
    generate_demo_registers(tmp_path, businesses=400, seed=11)
    return _records(Dataset("demo", "registers", prepare_registers(tmp_path), pd.DataFrame()))


def _same_state_files(left: Path, right: Path) -> None:
    """Every file of two saved match states holds the same content (save and training times
    aside: the two saves may fall in different seconds)."""
    names = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file())
    for name in names:
        a, b = left / name, right / name
        if name.suffix == ".parquet":
            assert pq.read_table(a).equals(pq.read_table(b)), name
        elif name.suffix == ".json":
            one, two = json.loads(a.read_text()), json.loads(b.read_text())
            for doc in (one, two):
                doc.pop("created_at", None)
                doc.get("training", {}).pop("trained_at", None)
            assert one == two, name
        else:
            assert a.read_bytes() == b.read_bytes(), name


@pytest.mark.parametrize("source", ["dedupe-examples", "febrl3", "demo"])
def test_dask_engine_gives_the_same_clusters_evidence_and_state(source, cluster, tmp_path):
    if source == "demo":
        records = _demo_records(tmp_path / "demo")
    else:
        records = _records(load_dedupe_examples() if source == "dedupe-examples"
                           else load_febrl3())
    here = link_records(records, workers=1, min_probability=0.01)
    there = link_records(records, executor=cluster, min_probability=0.01)
    assert there.clusters.equals(here.clusters)
    assert there.clusters["cluster_id"].nunique() < len(records)  # something was linked
    pd.testing.assert_frame_equal(there.pairs, here.pairs)
    here.state.save(tmp_path / "here")
    there.state.save(tmp_path / "there")
    _same_state_files(tmp_path / "here", tmp_path / "there")
    traffic = cluster.traffic
    # standardising, blocking keys, pairing, comparing and scoring ran on the workers
    assert {"standardised_part", "with_statistics", "rule_pairs", "chunk_levels",
            "compact_scores"} <= set(traffic.by_stage)
    assert traffic.shared_bytes > traffic.task_bytes / 100  # the records went once, broadcast


def test_a_worker_killed_mid_run_costs_nothing_but_time(tmp_path):
    records = _demo_records(tmp_path / "demo")
    expected = link_records(records, workers=1).clusters
    with dask_executor(workers=2) as executor:
        pids = executor.client.run(os.getpid)
        victim = sorted(pids.values())[0]
        outcome: dict[str, object] = {}

        def run() -> None:
            try:
                outcome["result"] = link_records(records, executor=executor)
            except ClusterError as exc:  # the other acceptable end: a clean failure
                outcome["error"] = exc

        worker = threading.Thread(target=run)
        worker.start()
        deadline = time.monotonic() + 60
        while executor.traffic.tasks == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(victim, signal.SIGKILL)
        worker.join(timeout=300)
        assert not worker.is_alive()
    assert "error" not in outcome, f"the run failed although a worker remained: {outcome}"
    assert outcome["result"].clusters.equals(expected)


def test_executor_choice_is_checked():
    with pytest.raises(ValueError, match="needs the dask engine"), \
            executor_for("local", "tcp://127.0.0.1:1"):
        pass
    with pytest.raises(ValueError, match="unknown engine 'spark'"), executor_for("spark"):
        pass


def _dedupe(tmp_path: Path, name: str, *options: str) -> subprocess.CompletedProcess:
    data = tmp_path / "sites.csv"
    if not data.exists():
        frame = load_dedupe_examples().files["dedupe_examples.csv"].head(1500)
        frame.to_csv(data, index=False)
        (tmp_path / "mapping.yaml").write_text(
            "id: record_id\nfields: {name: name, address: address, postal_code: postal_code, "
            "phone: phone}\n")
    return subprocess.run(
        [str(UBR), "dedupe", "--mapping", str(tmp_path / "mapping.yaml"), "--out",
         str(tmp_path / name), str(data), *options],
        capture_output=True, text=True, cwd=REPO, timeout=600)


def test_ubr_dedupe_engine_dask_writes_the_same_files(tmp_path):
    local = _dedupe(tmp_path, "local", "--workers", "1")
    assert local.returncode == 0, local.stderr
    dask = _dedupe(tmp_path, "dask", "--engine", "dask", "--workers", "2",
                   "--state", str(tmp_path / "dask-state"))
    assert dask.returncode == 0, dask.stderr
    assert "engine: Dask, 2 worker(s) on a local cluster" in dask.stdout
    for name in ("clusters.csv", "pairs.csv", "blocking.json", "quarantine.csv"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    assert (tmp_path / "dask-state").is_dir()


def test_ubr_dedupe_says_what_is_wrong_with_the_engine_options(tmp_path):
    mixed = _dedupe(tmp_path, "mixed", "--scheduler", "tcp://127.0.0.1:1")
    assert mixed.returncode != 0
    assert "use it with --engine dask" in mixed.stdout + mixed.stderr
    unreachable = _dedupe(tmp_path, "gone", "--engine", "dask", "--scheduler",
                          "tcp://127.0.0.1:9")
    assert unreachable.returncode != 0
    said = unreachable.stdout + unreachable.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in said
    assert "Traceback" not in said
    assert not (tmp_path / "gone" / "clusters.csv").exists()


@pytest.mark.parametrize("pairs_per_task", [2_000_000, 40])
@pytest.mark.parametrize("cap", [None, 3])
def test_blocking_by_key_partitions_gives_blocks_pairs_and_report(pairs_per_task, cap,
                                                                   monkeypatch):
    """Pairs made per key group (many small tasks, tight caps that drop groups, list-valued
    name words) are the one-process blocking's: the same pairs, first rules, report and
    per-rule pair sets."""
    from matching import block_partitions
    from matching.blocking import block
    from matching.executors import LocalExecutor
    from matching.linker import Linker
    from matching.model import load_settings

    monkeypatch.setattr(block_partitions, "PAIRS_PER_TASK", pairs_per_task)
    settings = load_settings()
    if cap is not None:
        settings = settings.model_copy(deep=True)
        settings.blocking.max_block_size = cap
        for rule in settings.blocking.rules:
            rule.max_block_size = cap
    prepared = Linker(settings, workers=1).prepare(_records(load_dedupe_examples()))
    expected_pairs, expected = block(prepared, settings.blocking)
    pairs, report = block_partitions.block_partitions(prepared, settings.blocking,
                                                      LocalExecutor(2))
    pd.testing.assert_frame_equal(pairs, expected_pairs)
    assert report.rules == expected.rules
    assert report.total_pairs == expected.total_pairs
    assert report.rule_pair_codes.keys() == expected.rule_pair_codes.keys()
    for rule, codes in expected.rule_pair_codes.items():
        assert (report.rule_pair_codes[rule] == codes).all(), rule
    if cap is not None:
        assert report.blocks_dropped > 0


def test_ubr_run_refuses_a_scheduler_without_the_dask_engine(tmp_path):
    said = subprocess.run([str(UBR), "run", "--scheduler", "tcp://127.0.0.1:1", "--home",
                           str(tmp_path / "home")], capture_output=True, text=True, cwd=REPO,
                          timeout=300)
    assert said.returncode != 0
    assert "use it with --engine dask" in said.stdout + said.stderr
    assert "Traceback" not in said.stdout + said.stderr


def _sum_with(item: int, shared) -> int:  # noqa: ANN001 - a NumPy array
    return item + int(shared.sum())


def test_a_value_shared_as_a_temporary_stays_on_the_workers_until_its_tasks_ran(cluster):
    """`executor.map(task, items, executor.share(Value(...)))`: the value is gone before the
    map's tasks are submitted; its copies must stay until they ran (a released broadcast
    made Dask cancel the tasks: 'computation on lost data'), then go."""
    import gc

    for round_ in range(40):  # a race: the old release lost about one round in 30
        size = 200_000 + round_
        got = list(cluster.map(_sum_with, [1, 2, 3], cluster.share(np.arange(size))))
        assert got == [k + size * (size - 1) // 2 for k in (1, 2, 3)]
    gc.collect()
    deadline = time.monotonic() + 10
    while cluster.client.who_has() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not cluster.client.who_has(), "broadcast copies outlived the run's futures"
