"""Fellegi-Sunter scoring of a pairs partition, keeping per-comparison evidence.

Pure function of a partition (gammas + shared tf values) and the trained model, so a worker
can score its own block of pairs. Every pair keeps `<name>_level` and `<name>_weight` so that
a steward (or an auditor) can see why it was linked.
"""

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from matching.comparisons import Comparison
from matching.model import ThresholdSettings, TrainedModel
from matching.term_frequency import tf_adjustment

MATCH, REVIEW, NON_MATCH = "match", "review", "non_match"


def _log_ratio(model: TrainedModel, name: str, labels: list[str]) -> np.ndarray:
    m = np.array([model.m[name][label] for label in labels])
    u = np.array([model.u[name][label] for label in labels])
    return np.log2(m) - np.log2(u)


def level_weights(comp: Comparison, model: TrainedModel) -> np.ndarray:
    """log2(m/u) per gamma for one comparison."""
    return _log_ratio(model, comp.name, comp.labels)


def weights_by_level(model: TrainedModel) -> dict[str, dict[str, float]]:
    """log2(m/u) of every level of every comparison, by label, in the model's order (else
    first, best last): what a report shows next to m and u."""
    return {name: dict(zip(levels, _log_ratio(model, name, list(levels)).tolist(), strict=True))
            for name, levels in model.m.items()}


def prior_weight(model: TrainedModel) -> float:
    lam = model.probability_two_random_records_match
    return float(np.log2(lam) - np.log2(1 - lam))


def score_partition(
    gammas: "pd.DataFrame | Mapping[str, np.ndarray]",
    comparisons: list[Comparison],
    model: TrainedModel,
    n_records: int = 1,
) -> dict[str, "np.ndarray | pd.Categorical"]:
    """The partition's columns with `<name>_level`, `<name>_weight`, `match_weight` and
    `match_probability` added, as a dict of columns (framed once by the caller: building
    frames costs more than the arithmetic on a real-time request's few dozen pairs).

    Levels are categoricals (one byte per pair, not a string object), so a partition of tens
    of millions of pairs stays small.
    """
    out = {name: gammas[name] for name in gammas}
    total = np.full(len(next(iter(out.values()))) if out else 0, prior_weight(model))
    for comp in comparisons:
        g = np.asarray(gammas[f"{comp.name}_gamma"], np.int64)
        weights = level_weights(comp, model)
        w = np.where(g >= 0, weights[np.maximum(g, 0)], 0.0)
        tf_col = f"{comp.name}_tf_count"
        if tf_col in gammas:
            u_by_gamma = np.array(comp.tf_u(model.u[comp.name]))
            adj = tf_adjustment(np.asarray(gammas[tf_col], float),
                                u_by_gamma[np.maximum(g, 0)], n_records)
            out[f"{comp.name}_tf_adjustment"] = adj
            w = w + adj
        out[f"{comp.name}_level"] = pd.Categorical.from_codes(
            np.where(g >= 0, g, len(comp.labels)), dtype=level_dtype(tuple(comp.labels)))
        out[f"{comp.name}_weight"] = w
        total += w
    out["match_weight"] = total
    out["match_probability"] = 1.0 / (1.0 + np.exp2(-np.clip(total, -1000, 1000)))
    return out


@lru_cache(maxsize=256)
def level_dtype(labels: tuple[str, ...]) -> pd.CategoricalDtype:
    """The categories of a comparison's level column: its labels, then 'null'."""
    return pd.CategoricalDtype([*labels, "null"])


DECISIONS = (MATCH, REVIEW, NON_MATCH)
NON_MATCH_BY_RULE = ("different_bn", "different_numbered_company", "franchise",
                     "different_names")


def decide_codes(probability: np.ndarray, rule: np.ndarray,
                 thresholds: ThresholdSettings) -> np.ndarray:
    """`decide` as int8 codes into DECISIONS (no string per pair)."""
    code = np.where(probability >= thresholds.auto_match, 0,
                    np.where(probability >= thresholds.review, 1, 2)).astype(np.int8)
    rule = np.asarray(rule, dtype=object)
    code[rule == "same_bn"] = 0
    for name in NON_MATCH_BY_RULE:
        code[rule == name] = 2
    return code


def decide(probability: np.ndarray, rule: np.ndarray, thresholds: ThresholdSettings) -> np.ndarray:
    """Auto-match / review / non-match bands, after the deterministic rules."""
    return np.array(DECISIONS, dtype=object)[decide_codes(probability, rule, thresholds)]
