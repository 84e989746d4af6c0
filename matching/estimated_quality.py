"""The model's own estimate of precision and recall, and the advice when a mapping is weak.

No labels are needed: each candidate pair's match probability is the model's belief that it
is a match, so the expected number of true matches among the pairs it links is the sum of
their probabilities (precision = that sum / pairs linked) and the expected number of matches
among all candidate pairs is the sum over every pair (recall = linked sum / that sum). Pairs
decided by a rule count as the rule says (a shared BN: a match; a cannot-link: none). Matches
that blocking never proposed are not seen, so recall is an upper bound. Splink's and Senzing's
users read the same figures off their threshold charts.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.comparisons import Comparison
from matching.pair_evidence import DECISIONS
from matching.scoring import MATCH, REVIEW

# below these, a run says its mapping is weak and names the fields that would help
WEAK_PRECISION = 0.9
WEAK_RECALL = 0.8


@dataclass(frozen=True)
class EstimatedQuality:
    """Expected precision and recall of the auto-matches, and what the review band adds."""

    precision: float
    recall: float
    recall_with_review: float
    expected_matches: float  # record pairs, over every candidate pair

    @property
    def weak(self) -> bool:
        return self.precision < WEAK_PRECISION or self.recall < WEAK_RECALL

    def as_dict(self) -> dict[str, float]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "recall_with_review": round(self.recall_with_review, 4),
                "expected_matches": round(self.expected_matches, 1)}


@dataclass(frozen=True)
class PairBeliefs:
    """What each scored pair of representatives stands for: record pairs, and the matches
    the model expects among them (a rule's decision counted as its certainty)."""

    pair_weight: np.ndarray  # record pairs each scored pair stands for
    expected: np.ndarray  # expected true matches among them
    linked: np.ndarray  # decided `match`
    reviewed: np.ndarray  # decided `review`
    by_rule: np.ndarray  # decided by a rule, whatever the score
    identical: float  # record pairs identical on every compared field: matches by construction


def pair_beliefs(scored: pd.DataFrame, record_weight: np.ndarray) -> PairBeliefs:
    """From the scored candidate pairs (i, j, match_probability, rule, decision) of
    representatives standing for `record_weight` records each."""
    weight = record_weight.astype(float)
    pair_weight = weight[scored["i"].to_numpy()] * weight[scored["j"].to_numpy()]
    belief = scored["match_probability"].to_numpy(float).copy()
    decision = scored["decision"].cat.codes.to_numpy()
    linked = decision == DECISIONS.index(MATCH)
    by_rule = scored["rule"].astype(object).to_numpy() != ""
    belief[by_rule] = linked[by_rule].astype(float)  # a rule's decision is its certainty
    return PairBeliefs(pair_weight, belief * pair_weight, linked,
                       decision == DECISIONS.index(REVIEW), by_rule,
                       float((weight * (weight - 1) / 2).sum()))


def estimate_quality(scored: pd.DataFrame, record_weight: np.ndarray) -> EstimatedQuality:
    """Precision and recall of the run's decisions (see pair_beliefs); records identical on
    every compared field are matches by construction, each group's pairs counted once."""
    pairs = pair_beliefs(scored, record_weight)
    expected = float(pairs.expected.sum()) + pairs.identical
    linked_pairs = float(pairs.pair_weight[pairs.linked].sum()) + pairs.identical
    found = float(pairs.expected[pairs.linked].sum()) + pairs.identical
    with_review = found + float(pairs.expected[pairs.reviewed].sum())
    return EstimatedQuality(
        precision=found / linked_pairs if linked_pairs else 1.0,
        recall=found / expected if expected else 1.0,
        recall_with_review=with_review / expected if expected else 1.0,
        expected_matches=expected)


def unmapped_comparisons(records: pd.DataFrame, comparisons: list[Comparison]) -> list[str]:
    """Comparisons whose columns hold no value in any record: not mapped, or empty."""
    return [c.name for c in comparisons
            if not records.reindex(columns=c.settings.columns).notna().any().any()]


def weak_mapping_warning(quality: EstimatedQuality, unused: list[str]) -> str | None:
    """A sentence for the run's output when the estimate is poor; None when it is not."""
    if not quality.weak:
        return None
    help_ = (f"mapping more of the fields the model compares would help: {', '.join(unused)}"
             if unused else "every compared field is mapped; check that the columns hold "
             "what their names say, or raise the review band's share for a steward")
    return (f"warning: the model expects its auto-matches to be {quality.precision:.0%} right "
            f"and to find {quality.recall:.0%} of the matches among the candidate pairs "
            f"({quality.recall_with_review:.0%} with the review band): the mapping carries "
            f"little evidence; {help_}.")
