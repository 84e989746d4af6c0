"""Collapse records identical on every field the engine reads into one representative.

A revenue register keeps one line per program account (RC, RP, RT ...), so one registrant can
appear two or three times with the same standardised name, address, phone and BN root. Such
lines are the same business by construction: linking them costs pairs (which grow with the
square of the copies) and buys nothing. They are linked once, as representatives; every other
record joins its representative's cluster, with the evidence rule `identical_fields`.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

IDENTICAL_RULE = "identical_fields"


@dataclass
class Collapse:
    """`rep_of[k]`: position (in the representatives) of record k's representative;
    `reps`: record position of each representative (its first record)."""

    rep_of: np.ndarray
    reps: np.ndarray

    @property
    def n_records(self) -> int:
        return len(self.rep_of)

    @property
    def collapsed(self) -> int:
        return len(self.rep_of) - len(self.reps)

    def member_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(record, its representative's record) for every record that is not a representative."""
        rep_record = self.reps[self.rep_of]
        others = np.flatnonzero(rep_record != np.arange(len(self.rep_of)))
        return rep_record[others], others

    def group_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every pair (i < j) of records sharing a representative."""
        from matching.blocking import pairs_within_groups

        n = len(self.rep_of)
        i, j, _, _ = pairs_within_groups(np.arange(n, dtype=np.int64),
                                         self.rep_of.astype(np.int64), n + 1)
        return i, j

    def members(self) -> tuple[np.ndarray, np.ndarray]:
        """Records sorted by representative, and where each representative's run starts."""
        order = np.argsort(self.rep_of, kind="stable")
        starts = np.searchsorted(self.rep_of[order], np.arange(len(self.reps) + 1))
        return order, starts


def _is_list_column(values: pd.Series) -> bool:
    first = values.dropna()
    return len(first) > 0 and isinstance(first.iloc[0], list)


def identical_groups(records: pd.DataFrame, columns: list[str],
                     min_collapsed: int = 0) -> Collapse:
    """Group records equal on all `columns` (missing equals missing).

    `min_collapsed`: below this many records collapsed, collapsing is not worth it and every
    record stays its own representative. Each column only splits groups further, so the
    count is known to fall short as soon as the first columns leave too few copies (on
    data of distinct records, after one column instead of twenty).
    """
    n = len(records)
    every = Collapse(np.arange(n), np.arange(n))
    group = np.zeros(n, np.int64)
    for col in columns:
        if col not in records.columns or _is_list_column(records[col]):
            continue
        codes, uniques = pd.factorize(records[col].to_numpy(dtype=object), use_na_sentinel=True)
        group, distinct = pd.factorize(group * (len(uniques) + 1) + (codes.astype(np.int64) + 1))
        group = group.astype(np.int64)
        if n - len(distinct) < min_collapsed:
            return every
    # factorize numbers groups in order of first appearance: group k's first record is its
    # representative, and representatives keep the records' order
    _, reps = np.unique(group, return_index=True)
    return Collapse(rep_of=group, reps=reps.astype(np.int64))


def expand_pairs(collapse: Collapse, evidence: pd.DataFrame, reps_keys: np.ndarray,
                 keys: np.ndarray) -> pd.DataFrame:
    """Representative pairs as pairs of every record they stand for."""
    order, starts = collapse.members()
    position = pd.Series(np.arange(len(reps_keys)), index=reps_keys)
    a = position[evidence["record_key_l"].to_numpy()].to_numpy()
    b = position[evidence["record_key_r"].to_numpy()].to_numpy()
    size_a, size_b = starts[a + 1] - starts[a], starts[b + 1] - starts[b]
    count = size_a * size_b
    row = np.repeat(np.arange(len(evidence)), count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    left = order[starts[a[row]] + offset // size_b[row]]
    right = order[starts[b[row]] + offset % size_b[row]]
    out = evidence.iloc[row].reset_index(drop=True)
    out["record_key_l"] = keys[np.minimum(left, right)]
    out["record_key_r"] = keys[np.maximum(left, right)]
    return out
