"""Comparing partitions of pairs in forked workers gives the levels a single process gives."""

import numpy as np
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
