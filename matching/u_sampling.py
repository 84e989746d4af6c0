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
from matching.lambda_floor import exact_agreement
from matching.levels import gamma_frame, gamma_matrix
from matching.model import EMSettings


def random_pairs(n: int, settings: EMSettings, weight: np.ndarray | None = None,
                 link_only: np.ndarray | None = None) -> pd.DataFrame:
    """A uniform sample of record pairs (all pairs when there are fewer).

    With `weight` (records each row stands for, when identical records are collapsed), rows
    are drawn as often as the records they stand for: random record pairs, not row pairs.
    With `link_only` (each record's file, as integer codes), pairs across files only: those
    are the population a link-only run scores (pairs within a file share more by chance).
    """
    rng = np.random.default_rng(settings.seed)
    if link_only is not None:
        return _pairs_across(link_only, settings.u_sample_pairs, rng)
    total = n * (n - 1) // 2
    want = min(settings.u_sample_pairs, total)
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


def _pairs_across(labels: np.ndarray, want: int, rng: np.random.Generator) -> pd.DataFrame:
    """A uniform sample of the pairs whose records have different labels (all when fewer).

    A record is drawn as often as it has partners in other files, then its partner uniformly
    among those: every pair across files is equally likely.
    """
    n = len(labels)
    sizes = np.bincount(labels)
    partners = n - sizes[labels]
    order = np.argsort(labels, kind="stable")  # each label's records are one run in `order`
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    if partners.sum() // 2 <= want:  # every pair across files: label pair by label pair
        runs = [order[s:s + k] for s, k in zip(start, sizes, strict=True)]
        pieces = [(np.repeat(a, len(b)), np.tile(b, len(a)))
                  for x, a in enumerate(runs) for b in runs[x + 1:]]
        i = np.concatenate([a for a, _ in pieces]) if pieces else np.empty(0, np.int64)
        j = np.concatenate([b for _, b in pieces]) if pieces else np.empty(0, np.int64)
        return pd.DataFrame({"i": np.minimum(i, j), "j": np.maximum(i, j)})
    a = rng.choice(n, want, p=partners / partners.sum())
    label = labels[a]
    rank = (rng.random(want) * partners[a]).astype(np.int64)  # among the other files' records
    b = order[np.where(rank < start[label], rank, rank + sizes[label])]
    return pd.DataFrame({"i": np.minimum(a, b), "j": np.maximum(a, b)})


def estimate_u(cols: RecordColumns, comparisons: list[Comparison], settings: EMSettings,
               weight: np.ndarray | None = None,
               link_only: np.ndarray | None = None) -> tuple[list[np.ndarray], int, int]:
    """u per comparison level, the pairs sampled and how many had similarity scored.

    Sampled pairs that agree exactly on every field both records carry are left out: they
    are the pairs the lambda floor counts as matches (matching/lambda_floor.py), and when a
    mapping has few fields they are mostly true matches, not coincidences (on two name lists
    they made u of an exact name fifty times too high).
    """
    sample = random_pairs(len(cols.records), settings, weight, link_only)
    k = min(len(sample), settings.u_similarity_pairs)
    full = gamma_matrix(gamma_frame(sample.iloc[:k], cols, comparisons), comparisons)
    partial = gamma_matrix(gamma_frame(sample.iloc[k:], cols, comparisons, fuzzy=False),
                           comparisons)
    full, partial = (rows[~exact_agreement(rows, comparisons)] for rows in (full, partial))
    return estimate_u_stratified(full, partial, [c.n_levels for c in comparisons]), \
        len(sample), k
