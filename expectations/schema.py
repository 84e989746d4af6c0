"""Batch-level schema checks: the canonical frame's shape and the raw columns the reader saw.

A renamed ministry column usually surfaces as a missing raw column (the reader may not catch
it when the column is optional) or as a mapped field that is null in every row. These are
batch failures, not row failures: the rows are not at fault, the feed is.
"""

import difflib
from dataclasses import dataclass

import pandas as pd

from sources.canonical import CANONICAL_COLUMNS, empty_canonical_frame
from sources.config import SourceConfig


@dataclass(frozen=True)
class SchemaFinding:
    """One batch-level problem: the expectation it breaks and a sentence without values."""

    expectation: str
    column: str
    message: str


def _expected_dtypes() -> dict[str, str]:
    frame = empty_canonical_frame()
    return {c: str(frame[c].dtype) for c in frame.columns}


def check_frame(frame: pd.DataFrame) -> list[SchemaFinding]:
    """Columns and dtypes of the canonical frame against sources.canonical."""
    findings: list[SchemaFinding] = []
    missing = [c for c in CANONICAL_COLUMNS if c not in frame.columns]
    extra = [c for c in frame.columns if c not in CANONICAL_COLUMNS]
    for column in missing:
        findings.append(SchemaFinding(
            "canonical_columns_present", column,
            f"canonical column '{column}' is missing from the frame",
        ))
    for column in extra:
        findings.append(SchemaFinding(
            "canonical_columns_only", str(column),
            f"column '{column}' is not in the canonical schema and was dropped",
        ))
    expected = _expected_dtypes()
    for column in CANONICAL_COLUMNS:
        if column in frame.columns and str(frame[column].dtype) != expected[column]:
            findings.append(SchemaFinding(
                "canonical_dtypes", column,
                f"column '{column}' has dtype {frame[column].dtype}, expected {expected[column]}"
                " (the reader must pass its frame through sources.canonical.conform)",
            ))
    return findings


def check_raw_columns(config: SourceConfig, raw_columns: list[str] | None) -> list[SchemaFinding]:
    """Every required source column (mapped or used in the record id) was in the raw file."""
    if raw_columns is None:
        return []
    present = set(raw_columns)
    by_source_column = {v: k for k, v in config.mapping.items()}
    findings = []
    for column in config.required_columns:
        if column in present:
            continue
        field = by_source_column.get(column, "source_record_id")
        close = difflib.get_close_matches(column, sorted(present - set(config.required_columns)),
                                          n=1, cutoff=0.6)
        hint = f"; it looks renamed to '{close[0]}'" if close else ""
        findings.append(SchemaFinding(
            "raw_columns_present", field,
            f"raw column '{column}' (mapped to {field}) is missing from the file{hint}",
        ))
    return findings


def check_empty_mapped(config: SourceConfig, frame: pd.DataFrame) -> list[SchemaFinding]:
    """A mapped, non-optional field that is null in every row of a non-empty batch."""
    if len(frame) == 0:
        return []
    findings = []
    for field, column in config.mapping.items():
        if column in config.optional_columns or field not in frame.columns:
            continue
        if frame[field].isna().all():
            findings.append(SchemaFinding(
                "mapped_fields_not_empty", field,
                f"field {field} (raw column '{column}') is null in every row; "
                "the column may have been renamed or emptied",
            ))
    return findings
