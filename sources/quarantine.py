"""Quarantine rows: what could not go on, with where it came from and why.

Readers, mappers and validators all emit this one shape, so the registry stores and the
`ubr quarantine` command shows them the same way. `raw_record` may hold personal data: it
is stored (access-controlled) but never logged or put in metadata.
"""

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

QUARANTINE_COLUMNS: tuple[str, ...] = (
    "source",  # source id
    "source_file",  # file or table
    "source_line",  # 1-based line / row number (null when the whole file failed)
    "source_record_id",  # null when the id itself could not be formed
    "stage",  # read | map | validate
    "column",  # offending column (source column at read/map, canonical at validate)
    "reason",  # a sentence a data engineer can act on, free of personal values
    "raw_record",  # JSON of the row as read
)

STAGES: tuple[str, ...] = ("read", "map", "validate")


def quarantine_frame(rows: list[Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """Build a quarantine DataFrame with the documented columns and dtypes."""
    frame = pd.DataFrame(list(rows or []), columns=list(QUARANTINE_COLUMNS))
    for column in QUARANTINE_COLUMNS:
        frame[column] = frame[column].astype("Int64" if column == "source_line" else "string")
    return frame


def raw_json(row: Mapping[str, Any]) -> str:
    """Serialise a raw row for storage; values that are not JSON types become strings."""
    return json.dumps(dict(row), ensure_ascii=False, default=str, sort_keys=True)
