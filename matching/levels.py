"""Comparison levels (gamma) of candidate pairs, in compact arrays, chunk by chunk.

One int8 per pair and comparison, and a float32 shared-value count per term-frequency
comparison: what training and scoring read, and nothing more (millions of pairs fit).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.compare import RecordColumns, compute_levels, level_columns, worker_columns
from matching.comparisons import Comparison
from matching.executors import Executor, LocalExecutor

CHUNK = 500_000  # pairs compared and scored at a time: bounds the memory of every stage


@dataclass
class Levels:
    """Comparison levels of candidate pairs, one row per pair, in compact arrays."""

    matrix: np.ndarray  # (pairs, comparisons) int8 gamma
    tf: dict[str, np.ndarray]  # '<name>_tf_count' -> float32 per pair (NaN: nothing shared)

    def __sizeof__(self) -> int:
        return self.matrix.nbytes + sum(v.nbytes for v in self.tf.values())

    def columns(self, rows: slice | np.ndarray,
                comparisons: list[Comparison]) -> dict[str, np.ndarray]:
        """Gamma and tf-count columns for some rows, as compute_levels gives them."""
        out = {f"{c.name}_gamma": self.matrix[rows, k] for k, c in enumerate(comparisons)}
        out.update({name: values[rows].astype(float) for name, values in self.tf.items()})
        return out

    @classmethod
    def from_frame(cls, gammas: pd.DataFrame, comparisons: list[Comparison]) -> "Levels":
        tf = {c: gammas[c].to_numpy(np.float32) for c in gammas.columns
              if c.endswith("_tf_count")}
        return cls(gamma_matrix(gammas, comparisons), tf)


def levels_of(pairs: pd.DataFrame, cols: RecordColumns, comparisons: list[Comparison],
              chunk: int = CHUNK, workers: "int | Executor" = 1) -> Levels:
    """Levels for every candidate pair into preallocated arrays, chunk by chunk.

    `workers`: a number of forked processes on this machine (matching/parallel.py), or an
    executor (matching/executors.py): on a Dask cluster the record columns are broadcast once
    and each task ships only its chunk of pair positions."""
    executor = workers if not isinstance(workers, int) else LocalExecutor(workers)
    total = len(pairs)
    matrix = np.zeros((total, len(comparisons)), np.int8)
    tf_names = [f"{c.name}_tf_count" for c in comparisons
                if c.settings.term_frequency and c.exact_gammas]
    tf = {name: np.full(total, np.nan, np.float32) for name in tf_names}
    i_all, j_all = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    starts = list(range(0, max(total, 1), chunk))
    chunks = [(i_all[k:k + chunk], j_all[k:k + chunk]) for k in starts]
    shared = executor.share(cols.subset(worker_columns(comparisons))
                            if executor.distributed else cols)
    found = executor.map(chunk_levels, chunks, shared, comparisons, tf_names)
    for k, (gammas, counts) in zip(starts, found, strict=True):
        matrix[k:k + len(gammas)] = gammas
        for name, values in counts.items():
            tf[name][k:k + len(values)] = values
    return Levels(matrix, tf)


def chunk_levels(chunk: tuple[np.ndarray, np.ndarray], cols: RecordColumns,
                 comparisons: list[Comparison], tf_names: list[str],
                 ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The int8 gamma matrix and tf counts of one chunk of pair positions (a task)."""
    found = level_columns(chunk[0], chunk[1], cols, comparisons)
    gammas = np.stack([found[f"{comp.name}_gamma"] for comp in comparisons], axis=1)
    return gammas, {name: found[name].astype(np.float32) for name in tf_names}


def gamma_frame(pairs: pd.DataFrame, cols: RecordColumns, comparisons: list[Comparison],
                chunk: int = 250_000, fuzzy: bool = True) -> pd.DataFrame:
    """Levels for the pairs as a frame, computed in chunks (samples, tests)."""
    parts = [compute_levels(pairs.iloc[k:k + chunk], cols, comparisons, fuzzy)
             for k in range(0, len(pairs), chunk)]
    if not parts:
        return compute_levels(pairs, cols, comparisons, fuzzy)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def gamma_matrix(gammas: "pd.DataFrame | Levels", comparisons: list[Comparison]) -> np.ndarray:
    """The (pairs, comparisons) int8 gamma matrix of a levels frame or `Levels`."""
    if isinstance(gammas, Levels):
        return gammas.matrix
    names = [f"{c.name}_gamma" for c in comparisons]
    return gammas[names].to_numpy(np.int8).reshape(len(gammas), len(names))
