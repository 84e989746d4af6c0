"""A floor under P(two random records match), so that a weak mapping cannot collapse the model.

lambda is found as a fixed point over the blocked pairs (em.population_lambda). When the
mapped fields carry little evidence (a list of names only, among many records), the sum of
the pairs' Bayes factors is smaller than the number of record pairs, and the only fixed point
is zero: every pair becomes a non-match and the run reports no match at all, silently.

The floor is Splink's deterministic-rule estimate: pairs that agree exactly on every field
both records carry are taken as matches (recall assumed 1, so the floor errs low). It is
computed on every run and binds only when EM's lambda is below it; the model then says so
(`lambda_source`) and the run warns, naming the fields that would help.
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

    @property
    def binds(self) -> bool:
        """Whether EM's lambda collapsed below what exact agreement alone shows."""
        return self.floor > self.em_lambda

    @property
    def value(self) -> float:
        return max(self.em_lambda, self.floor)


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


def lambda_floor(em_lambda: float, matrix: np.ndarray, comparisons: list[Comparison],
                 total_pairs: float, weights: np.ndarray | None = None) -> LambdaFloor:
    """The floor for this run's blocked pairs (`weights`: record pairs each row stands for)."""
    rows = exact_agreement(matrix, comparisons)
    exact = float(rows.sum() if weights is None else weights[rows].sum())
    floor = min(exact / total_pairs, 0.5) if total_pairs > 0 else 0.0
    return LambdaFloor(em_lambda=em_lambda, exact_pairs=exact, floor=floor)
