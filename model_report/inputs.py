"""What a model report is drawn from, whichever run produced it.

Three readers fill it (a `ubr dedupe` output folder, a registry run, a pipeline step's
LinkResult), so one renderer serves them all. It holds model parameters, counts, record keys
and comparison levels: never a record's field value.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from matching.model import TrainedModel

# the evidence columns a report reads, besides `<comparison>_level` and `<comparison>_weight`
PAIR_COLUMNS = ("left", "right", "match_weight", "match_probability", "decision", "rule")


class ReportError(ValueError):
    """Inputs that cannot make a report; the message names the file or run and what is missing."""


@dataclass(frozen=True)
class Headline:
    """The figures at the top of the report (record pairs, as the run's own summary counts)."""

    records: int
    candidate_pairs: int
    match_pairs: int
    review_pairs: int
    businesses: int

    def figures(self, model: TrainedModel) -> dict[str, Any]:
        """These counts with the model's own estimate and lambda: the report's top line, and
        the Dagster metadata of the step that writes it."""
        quality = model.estimated_quality
        return {"records": self.records, "candidate_pairs": self.candidate_pairs,
                "match_pairs": self.match_pairs, "review_pairs": self.review_pairs,
                "businesses": self.businesses,
                "estimated_precision": quality.get("precision"),
                "estimated_recall": quality.get("recall"),
                "estimated_recall_with_review": quality.get("recall_with_review"),
                "lambda": model.probability_two_random_records_match}


@dataclass(frozen=True)
class ReportInputs:
    """`pairs`: PAIR_COLUMNS plus each comparison's level and weight, one row per scored pair
    kept by the run (left, right: record keys); `cluster_sizes`: records per cluster;
    `blocking`: per-rule figures of the blocking report when the run kept them."""

    source: str  # where the figures come from, in words
    model: TrainedModel
    headline: Headline
    pairs: pd.DataFrame
    cluster_sizes: np.ndarray
    blocking: list[dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        if not self.model.score_summary:
            raise ReportError(f"{self.source}: model.json has no score summary (it was written "
                              "before UBR kept one): run the matching again to report on it")
        missing = [c for c in PAIR_COLUMNS if c not in self.pairs.columns]
        if missing:
            raise ReportError(f"{self.source}: the pairs lack the columns {missing}")


def evidence_pairs(left: pd.Series, right: pd.Series, evidence: pd.DataFrame) -> pd.DataFrame:
    """The pairs frame of ReportInputs from record keys and evidence columns (levels,
    weights, match weight and probability, decision, rule), numbers as floats."""
    out = pd.DataFrame({"left": left.astype(str).to_numpy(),
                        "right": right.astype(str).to_numpy()})
    for column in evidence.columns:
        values = evidence[column].reset_index(drop=True)
        numeric = column.endswith(("_weight", "_tf_adjustment")) or column == "match_probability"
        out[column] = (pd.to_numeric(values, errors="coerce") if numeric
                       else values.astype(object).where(values.notna(), "").astype(str))
    for column in ("rule", "decision"):
        if column not in out.columns:
            out[column] = ""
    return out
