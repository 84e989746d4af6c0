"""A floor under P(two random records match), so that a weak mapping cannot collapse the model.

lambda is found as a fixed point over the blocked pairs (em.population_lambda). When the
mapped fields carry little evidence (a list of names only, among many records), the sum of
the pairs' Bayes factors is smaller than the number of record pairs, and the only fixed point
is zero: every pair becomes a non-match and the run reports no match at all, silently.

The floor is Splink's deterministic-rule estimate: pairs that agree exactly on every field
both records carry are taken as matches. It binds when EM's lambda is below their count with
recall assumed 1 (a bound that errs low, so it never fires on a sound model); the value used
then is that count divided by the rule's recall, which Splink asks its user to guess and
which the model knows: a true pair agrees exactly on a field with probability m(exact levels),
so a pair carrying fields F stands for 1 / prod over F of m(exact) matches of its pattern (a
Horvitz-Thompson count). The model says so (`lambda_source`, `exact_agreement_recall`) and the
run warns, naming the fields that would help.
"""

from dataclasses import dataclass

import numpy as np

from matching.comparisons import Comparison


@dataclass(frozen=True)
class LambdaFloor:
    """The exact-agreement estimate next to the population fixed point, and which was used."""

    em_lambda: float
    exact_pairs: float  # record pairs agreeing exactly on every field both carry
    floor: float  # exact_pairs / total record pairs
    recall: float = 1.0  # the share of true pairs that agree exactly (from m), at least 5 %

    @property
    def binds(self) -> bool:
        """Whether EM's lambda collapsed below what exact agreement alone shows."""
        return self.floor > self.em_lambda

    @property
    def value(self) -> float:
        """EM's lambda, or where it collapsed, the exact-agreement count over its recall."""
        return min(self.floor / self.recall, 0.5) if self.binds else self.em_lambda


def exact_agreement(matrix: np.ndarray, comparisons: list[Comparison]) -> np.ndarray:
    """Rows (pairs) at an exact level on every comparison both records carry (and on one at
    least): the pairs a deterministic rule would link."""
    agree = np.ones(len(matrix), bool)
    carried = np.zeros(len(matrix), bool)
    for c, comparison in enumerate(comparisons):
        gamma = matrix[:, c]
        exact = np.isin(gamma, comparison.exact_gammas)
        present = gamma >= 0
        agree &= exact | ~present
        carried |= present
    return agree & carried


MIN_RECALL = 0.05  # a pattern the model thinks almost no true pair shows counts 20 at most


def exact_agreement_recall(matrix: np.ndarray, comparisons: list[Comparison],
                           m: list[np.ndarray] | None) -> np.ndarray:
    """Per pair, the probability that a true pair agrees exactly on every field this pair
    carries: the product of m over the exact levels of those fields."""
    recall = np.ones(len(matrix))
    if m is None:
        return recall
    for c, comparison in enumerate(comparisons):
        exact_m = float(np.asarray(m[c])[comparison.exact_gammas].sum())
        recall *= np.where(matrix[:, c] >= 0, exact_m, 1.0)
    return np.clip(recall, MIN_RECALL, 1.0)


def lambda_floor(em_lambda: float, matrix: np.ndarray, comparisons: list[Comparison],
                 total_pairs: float, weights: np.ndarray | None = None,
                 m: list[np.ndarray] | None = None) -> LambdaFloor:
    """The floor for this run's blocked pairs (`weights`: record pairs each row stands for;
    `m`: the trained m by comparison, for the rule's recall; without it, recall 1)."""
    rows = exact_agreement(matrix, comparisons)
    counted = np.ones(int(rows.sum())) if weights is None else weights[rows]
    exact = float(counted.sum())
    floor = min(exact / total_pairs, 0.5) if total_pairs > 0 else 0.0
    stands_for = float((counted / exact_agreement_recall(matrix[rows], comparisons, m)).sum())
    recall = exact / stands_for if stands_for > 0 else 1.0
    return LambdaFloor(em_lambda=em_lambda, exact_pairs=exact, floor=floor, recall=recall)
