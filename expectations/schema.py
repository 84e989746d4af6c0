"""Batch-level schema checks: the canonical frame's shape and the raw columns the reader saw.

A renamed ministry column usually surfaces as a missing raw column (the reader may not catch
it when the column is optional) or as a mapped field that is null in every row. These are
batch failures, not row failures: the rows are not at fault, the feed is.
"""

import difflib
from dataclasses import dataclass

import pandas as pd

from canonical.schema import CANONICAL_COLUMNS, FIELDS_BY_NAME, FieldType, empty_canonical_frame
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


def _same_family(dtype: object, field_type: FieldType) -> bool:
    """Any string dtype for strings, any datetime64 for dates, any integer for integers.

    Exact dtypes (string vs str, datetime64[s] vs [ns]) are restored by conform; only a
    different kind of value (numbers where text was expected, text where dates were) is drift.
    """
    if field_type is FieldType.STRING:
        return isinstance(dtype, pd.StringDtype)
    if field_type is FieldType.DATE:
        return pd.api.types.is_datetime64_dtype(dtype)
    return pd.api.types.is_integer_dtype(dtype)


def needs_conform(frame: pd.DataFrame) -> bool:
    """True when the frame's columns or dtypes are not exactly the canonical ones."""
    expected = _expected_dtypes()
    return list(frame.columns) != list(CANONICAL_COLUMNS) or any(
        str(frame[c].dtype) != expected[c] for c in CANONICAL_COLUMNS
    )


def check_frame(frame: pd.DataFrame) -> list[SchemaFinding]:
    """Columns and dtypes of the canonical frame against canonical.schema."""
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
        field_type = FIELDS_BY_NAME[column].type
        if column in frame.columns and not _same_family(frame[column].dtype, field_type):
            findings.append(SchemaFinding(
                "canonical_dtypes", column,
                f"column '{column}' has dtype {frame[column].dtype}, expected {expected[column]}"
                " (the reader must pass its frame through canonical.schema.conform)",
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
        candidates = sorted(present - set(config.required_columns))
        low = column.lower()
        close = [c for c in candidates if low in c.lower() or c.lower() in low]
        close = close or difflib.get_close_matches(column, candidates, n=1, cutoff=0.6)
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
