"""One online record validated as a row of its source's batch would be.

The same steps as a batch: SIN-like values removed at intake, then the source's expectation
suite (Great Expectations and the row predicates). A row the batch would quarantine is
refused with the expectations it failed; batch-level findings (a mapped column empty in
every row) say nothing about one record and are not applied.
"""

from typing import Any

import pandas as pd

from canonical.quarantine import quarantine_frame
from canonical.schema import CANONICAL_COLUMNS, conform
from expectations.intake import remove_sins
from expectations.validate import validate_source
from sources.config import SourceConfig


class RecordRejected(ValueError):
    """The record fails its source's expectations; nothing was stored."""

    def __init__(self, message: str, failed: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.failed = failed


def validate_record(config: SourceConfig, record: dict[str, Any]) -> dict[str, Any]:
    """The record as the batch would accept it (normalised), or RecordRejected."""
    frame = conform(pd.DataFrame([record], columns=CANONICAL_COLUMNS))
    intake = remove_sins(config.id, frame, quarantine_frame())
    outcome = validate_source(intake.records, config, sins_removed=intake.fields_by_row,
                              one_record=True)
    if len(outcome.quarantine) or not len(outcome.accepted):
        failed = [{"expectation": r["name"], "column": r["column"]}
                  for r in outcome.expectation_results
                  if not r["success"] and r["kind"] != "batch"]
        names = ", ".join(f["expectation"] for f in failed) or "its source's expectations"
        raise RecordRejected(f"the record fails source '{config.id}' expectations: {names}; "
                             "nothing was stored (docs/validation.md lists each expectation)",
                             failed)
    row = outcome.accepted.iloc[0]
    return {c: (None if not isinstance(row[c], str) and pd.isna(row[c]) else row[c])
            for c in CANONICAL_COLUMNS}
