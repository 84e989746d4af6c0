"""Scores of one partition of candidate pairs: equality, presence and string similarity.

A partition is pairs as positions `i`, `j` into the records (`RecordColumns`). A scorer runs
once per (scorer, left column, right column) with the lowest cutoff any level needs, only on
rows no better level has settled, and once per distinct pair of values: a city, a street name
or a postal code pair recurs across thousands of candidate pairs, so its strings are scored
once and the score is copied to every pair that holds them (`distinct_scores`).
"""

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler, Levenshtein

if TYPE_CHECKING:
    from matching.compare import RecordColumns

SCORERS = {
    "ratio": fuzz.ratio,
    "token_sort_ratio": fuzz.token_sort_ratio,
    "token_set_ratio": fuzz.token_set_ratio,
    "partial_ratio": fuzz.partial_ratio,
    "jaro_winkler": JaroWinkler.normalized_similarity,
    "levenshtein": Levenshtein.normalized_similarity,
}

# rapidfuzz threads per cpdist call: every core in one process; 1 in the forked workers of
# matching/parallel.py, which are themselves the parallelism
CPDIST_WORKERS = -1

# below this share of distinct value pairs, scoring distinct pairs and copying is worth it
_DISTINCT_SHARE = 0.9
# fewer pairs than this are scored on the calling thread: starting cpdist's threads costs
# about a millisecond, more than scoring a real-time request's few dozen pairs
THREADED_MIN_PAIRS = 10_000
# fewer pairs than this are scored without looking for repeated pairs of values
_FEW_PAIRS = 256


def _cpdist(function, left: list, right: list, cutoff: float | None) -> np.ndarray:
    workers = CPDIST_WORKERS if len(left) >= THREADED_MIN_PAIRS else 1
    return process.cpdist(left, right, scorer=function, score_cutoff=cutoff, workers=workers,
                          dtype=np.float32)


def distinct_scores(function, left: np.ndarray, right: np.ndarray, code_l: np.ndarray,
                    code_r: np.ndarray, cutoff: float | None,
                    repeats: bool = True) -> tuple[np.ndarray, bool]:
    """`function` over the pairs (left[k], right[k]), each distinct pair of values scored
    once: `code_l`, `code_r` are the values' codes from one dictionary (same value, same code).
    Also says whether pairs of values repeated enough to be worth it; `repeats=False` skips
    looking (names and full addresses are almost all distinct pairs)."""
    if not repeats:
        return _cpdist(function, list(left), list(right), cutoff), False
    if len(left) < _FEW_PAIRS:  # a real-time request: scoring them all beats finding repeats
        return _cpdist(function, list(left), list(right), cutoff), True
    width = int(max(code_l.max(initial=0), code_r.max(initial=0))) + 1
    pair_codes, distinct = pd.factorize(code_l.astype(np.int64) * width + code_r)
    repeats = len(distinct) < _DISTINCT_SHARE * len(pair_codes)
    if not repeats:
        rows = slice(None)
    else:
        rows = np.empty(len(distinct), np.int64)
        rows[pair_codes[::-1]] = np.arange(len(pair_codes) - 1, -1, -1)  # first holder
    scores = _cpdist(function, list(left[rows]), list(right[rows]), cutoff)
    return (scores if isinstance(rows, slice) else scores[pair_codes]), repeats


class PairPartition:
    """One partition of pairs (positions i, j into the records) with cached scores.

    A scorer is run once per (scorer, left column, right column) with the lowest cutoff any
    level needs, and only on rows not yet settled by a better level.
    """

    def __init__(self, cols: "RecordColumns", i: np.ndarray, j: np.ndarray) -> None:
        self.cols, self.i, self.j = cols, i, j
        self.n = len(i)
        self._present: dict[tuple[str, str], np.ndarray] = {}
        self._scores: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._equal: dict[tuple[str, str], np.ndarray] = {}

    def present(self, col: str, side: str) -> np.ndarray:
        key = (col, side)
        if key not in self._present:
            self._present[key] = self.cols.present(col)[self.i if side == "l" else self.j]
        return self._present[key]

    def equal(self, a: str, b: str) -> np.ndarray:
        """Left record's `a` equals right record's `b` (both present)."""
        if (a, b) not in self._equal:
            code_a, code_b = self.cols.codes(a, b)
            left, right = code_a[self.i], code_b[self.j]
            self._equal[(a, b)] = (left >= 0) & (left == right)
        return self._equal[(a, b)]

    def score(self, scorer: str, a: str, b: str, rows: np.ndarray,
              cutoff: float | None) -> np.ndarray:
        """Similarity of left `a` and right `b` (-1 where missing or not computed)."""
        key = (scorer, a, b)
        if key not in self._scores:
            self._scores[key] = (np.full(self.n, -1.0), np.zeros(self.n, bool))
        score, done = self._scores[key]
        todo = rows & ~done & self.present(a, "l") & self.present(b, "r")
        if todo.any():
            if scorer == "exact":
                score[todo] = self.equal(a, b)[todo]
            else:
                function = SCORERS[scorer]
                if scorer == "token_sort_ratio":
                    left_all, right_all = self.cols.sorted_tokens(a), self.cols.sorted_tokens(b)
                    function = fuzz.ratio
                else:
                    left_all, right_all = self.cols.values(a), self.cols.values(b)
                left, right = self.i[todo], self.j[todo]
                code_a, code_b = self.cols.codes(a, b)
                # whether this column pair's values repeat, as the first partition found
                repeats = self.cols.repeating.get(key, True)
                score[todo], self.cols.repeating[key] = distinct_scores(
                    function, left_all[left], right_all[right], code_a[left], code_b[right],
                    cutoff, repeats)
        done |= rows
        return score

    def best(self, scorer: str, columns: list[str], cross: bool, rows: np.ndarray,
             cutoff: float | None) -> np.ndarray:
        """Best score over the combinations (legal-legal, legal-op, op-legal, op-op)."""
        best = np.full(self.n, -1.0)
        for a, b in _combos(columns, cross):
            best = np.maximum(best, self.score(scorer, a, b, rows, cutoff))
        return best

    def same(self, columns: list[str]) -> np.ndarray:
        ok = np.ones(self.n, bool)
        for col in columns:
            ok &= self.equal(col, col)
        return ok

    def null(self, columns: list[str]) -> np.ndarray:
        """Rows where one side has none of `columns`: the comparison's null level."""
        has_l, has_r = np.zeros(self.n, bool), np.zeros(self.n, bool)
        for col in columns:
            has_l |= self.present(col, "l")
            has_r |= self.present(col, "r")
        return ~(has_l & has_r)

    def either(self, col: str) -> np.ndarray:
        """Rows where either record's flag `col` is set."""
        flags = self.cols.flags(col)
        return flags[self.i] | flags[self.j]

    def shared_count(self, columns: list[str], cross: bool, rows: np.ndarray) -> np.ndarray:
        """How many records hold the value the pair shares (NaN where none is shared)."""
        counts = self.cols.value_counts(columns)
        out = np.full(self.n, np.nan)
        unset = rows.copy()
        for a, b in _combos(columns, cross):
            hit = unset & self.equal(a, b)
            out[hit] = counts[a][self.i[hit]]
            unset &= ~hit
        return out


def _combos(columns: list[str], cross: bool) -> list[tuple[str, str]]:
    return [(a, b) for a in columns for b in columns] if cross else [(c, c) for c in columns]
