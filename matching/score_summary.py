"""The distribution of a run's match scores, kept in model.json for the model report.

A run scores every candidate pair but keeps the evidence of only the pairs that matter (the
pipeline keeps match and review pairs; at 374 k records the non-matches are 12 M record
pairs). The model report needs all of them: the match-weight histogram, and precision and
recall at every threshold (Splink's threshold chart). This summary keeps, per match-weight
bin, the record pairs and the matches the model expects among them
(`estimated_quality.pair_beliefs`), so both can be drawn later without the pairs. At the
configured auto-match threshold the curve gives the run's own estimate exactly.
"""

from typing import Any

import numpy as np
import pandas as pd

from matching.blocking import BlockingReport
from matching.estimated_quality import pair_beliefs
from matching.model import ThresholdSettings

WEIGHT_LIMIT = 40  # bins one unit of match weight wide within +-40; beyond, the end bins


def weight_of(probability: float | np.ndarray) -> np.ndarray:
    """log2 odds of a match probability, held within +-WEIGHT_LIMIT (1.0 is not infinite)."""
    p = np.asarray(probability, float)
    with np.errstate(divide="ignore"):
        weight = np.log2(p) - np.log2(1.0 - p)
    return np.clip(weight, -WEIGHT_LIMIT, WEIGHT_LIMIT)


def _edges(weight: np.ndarray, thresholds: ThresholdSettings) -> np.ndarray:
    """Whole-unit bin edges over the weights seen, plus the two thresholds as edges."""
    low = np.floor(weight.min()) if len(weight) else -1.0
    high = np.floor(weight.max()) + 1 if len(weight) else 1.0
    marks = weight_of(np.array([thresholds.review, thresholds.auto_match]))
    return np.unique(np.concatenate([np.arange(low, high + 1), marks]))


def score_summary(scored: pd.DataFrame, record_weight: np.ndarray, blocking_rule: pd.Series,
                  report: BlockingReport, thresholds: ThresholdSettings,
                  decisions: dict[str, int]) -> dict[str, Any]:
    """Per match-weight bin: record pairs (all, and those no rule decided) and the matches
    expected among the latter; the pairs rules decided; per blocking rule the record pairs
    it found first, the matches expected among them and among the auto-matches, and the
    auto-matches expected among every pair the rule generates (its own recall).

    `scored`: i, j, match_probability, rule, decision (one row per candidate pair of
    representatives), `blocking_rule` (the first rule that found each) aligned with it;
    `report`: the blocking report, whose pair codes say which rules generate a pair;
    `decisions`: record pairs per decision (pair_evidence.record_pair_counts)."""
    beliefs = pair_beliefs(scored, record_weight)
    weight = weight_of(scored["match_probability"].to_numpy(float))
    edges = _edges(weight, thresholds)
    bins = np.clip(np.searchsorted(edges, weight, side="right") - 1, 0, len(edges) - 2)
    free = ~beliefs.by_rule

    def per_bin(values: np.ndarray, rows: np.ndarray) -> list[float]:
        return np.bincount(bins[rows], weights=values[rows],
                           minlength=len(edges) - 1).round(4).tolist()

    every = np.ones(len(weight), bool)
    rules = pd.Categorical(blocking_rule)
    codes = rules.codes
    linked = beliefs.linked

    def per_rule(values: np.ndarray) -> np.ndarray:
        return np.bincount(codes[codes >= 0], weights=values[codes >= 0],
                           minlength=len(rules.categories))

    pairs, expected = per_rule(beliefs.pair_weight), per_rule(beliefs.expected)
    found = per_rule(np.where(linked, beliefs.expected, 0.0))
    own = _found_by_each_rule(scored, beliefs.expected, linked, report)
    return {
        "weight_edges": edges.round(6).tolist(),
        "record_pairs": per_bin(beliefs.pair_weight, every),
        "free_pairs": per_bin(beliefs.pair_weight, free),
        "free_expected": per_bin(beliefs.expected, free),
        "rule_matches": float(beliefs.pair_weight[beliefs.by_rule & linked].sum()),
        "rule_non_matches": float(beliefs.pair_weight[beliefs.by_rule & ~linked].sum()),
        "identical_pairs": beliefs.identical,
        "decisions": {k: int(v) for k, v in decisions.items()},
        "blocking_rules": [
            {"rule": str(name), "record_pairs": float(pairs[k]),
             "expected_matches": round(float(expected[k]), 4),
             "expected_auto_matches": round(float(found[k]), 4),
             "expected_auto_matches_generated": own.get(str(name))}
            for k, name in enumerate(rules.categories)],
    }


def _found_by_each_rule(scored: pd.DataFrame, expected: np.ndarray, linked: np.ndarray,
                        report: BlockingReport) -> dict[str, float]:
    """Per rule, the matches expected among the auto-matched pairs it generates, whether or
    not an earlier rule found them first (pair codes i * n + j, as blocking makes them)."""
    n = max(report.n_records, 1)
    codes = (scored["i"].to_numpy(np.int64) * n + scored["j"].to_numpy(np.int64))[linked]
    weights = expected[linked]
    out = {}
    for rule, generated in report.rule_pair_codes.items():
        at = np.minimum(np.searchsorted(generated, codes), max(len(generated) - 1, 0))
        hit = generated[at] == codes if len(generated) else np.zeros(len(codes), bool)
        out[rule] = round(float(weights[hit].sum()), 4)
    return out


def threshold_curve(summary: dict[str, Any]) -> pd.DataFrame:
    """The model's own precision and recall were the auto-match threshold at each bin edge:
    pairs at or above it linked, as estimate_quality counts them (rules' and identical
    records' pairs linked or not whatever the threshold)."""
    edges = np.asarray(summary["weight_edges"], float)[:-1]
    pairs = np.asarray(summary["free_pairs"], float)
    expected = np.asarray(summary["free_expected"], float)
    fixed = summary["rule_matches"] + summary["identical_pairs"]  # matches whatever the score
    linked = np.cumsum(pairs[::-1])[::-1] + fixed
    found = np.cumsum(expected[::-1])[::-1] + fixed
    total = expected.sum() + fixed
    return pd.DataFrame({
        "match_weight": edges,
        "match_probability": 1.0 / (1.0 + np.exp2(-edges)),
        "linked_pairs": linked,
        "precision": np.divide(found, linked, out=np.ones_like(found), where=linked > 0),
        "recall": found / total if total else np.ones_like(found),
    })
