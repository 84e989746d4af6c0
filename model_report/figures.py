"""The figures behind each section of the model report, as plain data (the page draws them).

The maths is the engine's own: level weights from `matching.scoring`, the threshold curve
from `matching.score_summary`, the estimate at the configured threshold from the model
(`matching.estimated_quality`, computed by the run); nothing is estimated twice here.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.model import TrainedModel
from matching.score_summary import threshold_curve, weight_of
from matching.scoring import MATCH, NON_MATCH, REVIEW, prior_weight, weights_by_level
from model_report.inputs import ReportError, ReportInputs

CLUSTER_BUCKETS = ((1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 10), (11, 20), (21, 50),
                   (51, 100), (101, None))


@dataclass(frozen=True)
class LevelRow:
    label: str
    m: float
    u: float
    weight: float  # log2(m/u)


def level_rows(model: TrainedModel) -> dict[str, list[LevelRow]]:
    """Per comparison its levels best first (the model keeps them else first)."""
    weights = weights_by_level(model)
    return {name: [LevelRow(label, model.m[name][label], model.u[name][label],
                            weights[name][label]) for label in reversed(list(levels))]
            for name, levels in model.m.items()}


def thresholds_as_weights(model: TrainedModel) -> tuple[float, float]:
    """The review and auto-match thresholds as match weights."""
    review, auto = weight_of(np.array([model.thresholds.review, model.thresholds.auto_match]))
    return float(review), float(auto)


def band_of(weight_from: float, model: TrainedModel) -> str:
    """The decision band a histogram bin starting at this weight falls in (before rules)."""
    review, auto = thresholds_as_weights(model)
    return MATCH if weight_from >= auto - 1e-9 else REVIEW if weight_from >= review - 1e-9 \
        else NON_MATCH


def curve(model: TrainedModel) -> pd.DataFrame:
    return threshold_curve(model.score_summary)


def pick_pair(pairs: pd.DataFrame, model: TrainedModel,
              wanted: tuple[str, str] | None = None) -> pd.Series:
    """The pair to explain: `wanted` (record keys, either order; a bare record id matches a
    `file:record_id` key), else the scored pair no rule decided whose weight is nearest the
    auto-match threshold, ties broken by key so the choice is stable."""
    scored = pairs[pairs["match_weight"].notna()]
    if wanted is not None:
        left, right = (_key_matches(scored[side], key)
                       for side, key in (("left", wanted[0]), ("right", wanted[1])))
        crossed = (_key_matches(scored["left"], wanted[1])
                   & _key_matches(scored["right"], wanted[0]))
        found = scored[(left & right) | crossed]
        if found.empty:
            raise ReportError(f"no scored pair {wanted[0]},{wanted[1]} among the "
                              f"{len(scored):,} the run kept (its match and review pairs; "
                              "a dedupe output also keeps likely non-matches)")
        return found.iloc[0]
    free = scored[scored["rule"] == ""]
    if free.empty:
        free = scored
    if free.empty:
        raise ReportError("the run kept no scored pair to explain")
    auto = thresholds_as_weights(model)[1]
    order = np.lexsort((free["right"].to_numpy(str), free["left"].to_numpy(str),
                        np.abs(free["match_weight"].to_numpy(float) - auto)))
    return free.iloc[order[0]]


def _key_matches(keys: pd.Series, key: str) -> pd.Series:
    return (keys == key) | keys.str.endswith(":" + key)


def waterfall_steps(pair: pd.Series, model: TrainedModel) -> list[tuple[str, float]]:
    """The prior weight, then each comparison's weight (with its level): they add up to the
    pair's match weight (scoring.score_partition sums them so)."""
    steps = [("prior (lambda)", prior_weight(model))]
    for name in model.m:
        level = pair.get(f"{name}_level", "null") or "null"
        weight = pair.get(f"{name}_weight")
        steps.append((f"{name}: {level}", 0.0 if pd.isna(weight) else float(weight)))
    return steps


def cluster_buckets(sizes: np.ndarray) -> list[tuple[str, int, int]]:
    """(size range, clusters, records) for the sizes seen, up to the largest bucket used."""
    sizes = np.asarray(sizes, np.int64)
    rows = []
    for low, high in CLUSTER_BUCKETS:
        inside = (sizes >= low) & (sizes <= (high if high is not None else sizes.max(initial=0)))
        name = str(low) if high == low else f"{low}-{high}" if high else f"{low}+"
        rows.append((name, int(inside.sum()), int(sizes[inside].sum())))
    while len(rows) > 1 and rows[-1][1] == 0:
        rows.pop()
    return rows


@dataclass(frozen=True)
class BlockingRow:
    rule: str
    candidate_pairs: int | None  # pairs the rule generates on its own (representatives)
    first_found: float  # record pairs no earlier rule had found
    expected_auto_matches_first: float
    recall: float | None  # share of the expected auto-matches among the pairs it generates
    cumulative_recall: float  # of this rule and those before it


def blocking_rows(inputs: ReportInputs) -> list[BlockingRow]:
    """Per blocking rule, in order: pairs, and the estimated recall of the judged matches."""
    rules = inputs.model.score_summary["blocking_rules"]
    total = sum(r["expected_auto_matches"] for r in rules)
    generated = {r["rule"]: r.get("pairs") for r in inputs.blocking or []}
    rows, so_far = [], 0.0
    for r in rules:
        so_far += r["expected_auto_matches"]
        own = r.get("expected_auto_matches_generated")
        rows.append(BlockingRow(
            rule=r["rule"], candidate_pairs=generated.get(r["rule"]),
            first_found=r["record_pairs"], expected_auto_matches_first=r["expected_auto_matches"],
            recall=own / total if own is not None and total else None,
            cumulative_recall=so_far / total if total else 1.0))
    return rows
