"""u probabilities from random record pairs (nearly all non-matches), as Splink does.

A million pairs give the accuracy of ten million at a tenth of the cost; string similarity
is scored on a quarter of them, exact levels on all (`em.estimate_u_stratified`).
"""

import numpy as np
import pandas as pd

from matching.blocking import pairs_within_groups
from matching.compare import RecordColumns
from matching.comparisons import Comparison
from matching.em import estimate_u_stratified
from matching.levels import gamma_frame, gamma_matrix
from matching.model import EMSettings


def random_pairs(n: int, settings: EMSettings, weight: np.ndarray | None = None) -> pd.DataFrame:
    """A uniform sample of record pairs (all pairs when there are fewer).

    With `weight` (records each row stands for, when identical records are collapsed), rows
    are drawn as often as the records they stand for: random record pairs, not row pairs.
    """
    total = n * (n - 1) // 2
    want = min(settings.u_sample_pairs, total)
    rng = np.random.default_rng(settings.seed)
    if weight is not None and total > want:
        p = weight / weight.sum()
        a = rng.choice(n, int(want * 1.1) + 10, p=p)
        b = rng.choice(n, len(a), p=p)
        keep = a != b
        i, j = np.minimum(a, b)[keep][:want], np.maximum(a, b)[keep][:want]
        return pd.DataFrame({"i": i, "j": j})
    if total <= want:
        i, j, _, _ = pairs_within_groups(np.arange(n, dtype=np.int64), np.zeros(n, np.int64),
                                         n + 1)
    else:
        a = rng.integers(0, n, int(want * 1.1) + 10)
        b = rng.integers(0, n, len(a))
        keep = a != b
        i, j = np.minimum(a, b)[keep][:want], np.maximum(a, b)[keep][:want]
    return pd.DataFrame({"i": i, "j": j})


def estimate_u(cols: RecordColumns, comparisons: list[Comparison], settings: EMSettings,
               weight: np.ndarray | None = None) -> tuple[list[np.ndarray], int, int]:
    """u per comparison level, the pairs sampled and how many had similarity scored."""
    sample = random_pairs(len(cols.records), settings, weight)
    k = min(len(sample), settings.u_similarity_pairs)
    full = gamma_matrix(gamma_frame(sample.iloc[:k], cols, comparisons), comparisons)
    partial = gamma_matrix(gamma_frame(sample.iloc[k:], cols, comparisons, fuzzy=False),
                           comparisons)
    return estimate_u_stratified(full, partial, [c.n_levels for c in comparisons]), \
        len(sample), k
