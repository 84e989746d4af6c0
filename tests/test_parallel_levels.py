"""Comparing partitions of pairs in forked workers gives the levels a single process gives."""

import numpy as np
import pandas as pd
from test_match_helpers import synthetic_registry

from matching import pair_scores
from matching.linker import Linker
from matching.model import load_settings
from matching.parallel import map_partitions


def test_forked_workers_give_the_same_levels_as_one_process() -> None:
    records, _ = synthetic_registry(400, seed=11)
    records["bn_valid"] = records["bn_root"].notna()
    linker = Linker(load_settings(), workers=1)
    prepared = linker.prepare(records)
    pairs, _ = linker.block(prepared)
    assert len(pairs) > 1_000
    chunk = len(pairs) // 5 + 1  # five partitions: one here, four over the workers
    serial = linker.levels(pairs, prepared, chunk=chunk)
    parallel = Linker(load_settings(), workers=2).levels(pairs, prepared, chunk=chunk)
    assert parallel.matrix.shape == serial.matrix.shape
    assert (parallel.matrix == serial.matrix).all()
    assert serial.tf.keys() == parallel.tf.keys() and serial.tf
    for name, values in serial.tf.items():
        np.testing.assert_array_equal(values, parallel.tf[name])


def test_partitions_come_back_in_order_and_workers_use_one_rapidfuzz_thread() -> None:
    def task(item: int) -> tuple[int, int]:
        return item, pair_scores.CPDIST_WORKERS

    results = list(map_partitions(task, list(range(7)), workers=2))
    assert [item for item, _ in results] == list(range(7))
    assert results[0][1] == -1  # the first partition runs here, with rapidfuzz's own threads
    assert {threads for _, threads in results[1:]} == {1}
    assert pair_scores.CPDIST_WORKERS == -1  # the parent's setting is untouched


def test_standardising_in_parts_on_workers_gives_the_same_columns(monkeypatch) -> None:
    from matching import text
    from matching.parallel import using_workers
    from matching.standardise import standardise_records

    n = 300
    records = pd.DataFrame({
        "legal_name": [f"Maple {k} Holdings Ltd." if k % 3 else f"Érable {k} Ltée"
                       for k in range(n)],
        "operating_name": [f"Maple Cafe #{k}" if k % 2 else None for k in range(n)],
        "address_line": [f"{k} Main Sreet, Suite {k % 7}" for k in range(n)],
        "city": ["Halifax", "Dartmouth", "Truro"] * (n // 3),
        "postal_code": [f"B3K {k % 10}A{k % 9}" for k in range(n)],
        "phone": [f"(902) 555-{k:04d}" for k in range(n)],
        "email": [f"info{k}@maple.ca" for k in range(n)],
        "business_number": [None] * n,
    })
    serial = standardise_records(records)
    assert serial["name_std"].notna().all() and serial["street_name"].notna().all()
    monkeypatch.setattr(text, "SPLIT_MIN_VALUES", 10)  # split even this small input
    forked: list[int] = []
    real_split = text.split_map

    def counting_split(task, parts, workers):
        forked.append(len(parts))
        return real_split(task, parts, workers)

    monkeypatch.setattr(text, "split_map", counting_split)
    with using_workers(2):
        parallel = standardise_records(records)
    assert forked and set(forked) == {2}
    pd.testing.assert_frame_equal(parallel, serial)


_IN_A_CHILD = """
import os, signal, sys, time
from matching.parallel import map_partitions, split_map

def task(item):
    if item == 'die':
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    time.sleep(0.05)
    return item

# a handler that only records the signal, as Dagster installs while it runs a step
signal.signal(signal.SIGTERM, lambda signum, frame: None)
print(list(map_partitions(task, list(range(6)), workers=2)), flush=True)
print(split_map(task, list(range(4)), workers=2), flush=True)
try:
    list(map_partitions(task, [0, 1, 'die', 3], workers=2))
except Exception as exc:
    print(type(exc).__name__, "fewer workers" in str(exc), flush=True)
"""


def test_workers_finish_under_a_parent_signal_handler_and_a_killed_worker_fails_the_call(
        tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "child.py"
    script.write_text(_IN_A_CHILD)
    root = Path(__file__).resolve().parents[1]
    child = subprocess.Popen([sys.executable, str(script)], cwd=root, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True,
                             env={**os.environ, "PYTHONPATH": str(root)})
    try:
        out, err = child.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)  # the workers too
        child.communicate()
        raise AssertionError("the partitions never came back: a worker hung") from None
    assert child.returncode == 0, err
    assert out.splitlines() == ["[0, 1, 2, 3, 4, 5]", "[0, 1, 2, 3]", "WorkerDied True"]
