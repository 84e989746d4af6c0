"""Memory a step freed is given back to the system (pipelines/memory.py)."""

import gc

import numpy as np
import pyarrow as pa

from pipelines.memory import release_unused_memory


def _resident_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def _small_arrays(count: int) -> list[pa.Array]:
    """Many small Arrow arrays (64 KiB each): what a step's chunked work leaves in the pool."""
    values = np.arange(8192, dtype=np.int64)
    return [pa.array(values + k) for k in range(count)]


def test_freed_arrow_memory_leaves_the_process():
    before = _resident_mib()
    arrays = _small_arrays(4096)  # 256 MiB
    kept = arrays[::64]  # a few survive the step, scattered over the pool's pages
    del arrays
    gc.collect()
    held = _resident_mib() - before
    assert held > 150  # freed, yet still resident: the pool keeps its pages
    release_unused_memory()
    assert _resident_mib() - before < held / 3
    assert sum(len(a) for a in kept) == 64 * 8192
