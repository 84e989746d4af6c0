"""Quarantine rows: what could not go on, with where it came from and why.

Readers, mappers and validators all emit this one shape, so the registry stores and the
`ubr quarantine` command shows them the same way. `raw_record` may hold personal data: it
is stored (access-controlled) but never logged or put in metadata.

`raw_record` is bounded and storable on every backend: control characters (tab, LF and CR
aside) and lone surrogates become visible escapes such as `\\x00` (PostgreSQL refuses a NUL in
text), each text value is cut at `RAW_VALUE_LIMIT` characters and the row at
`RAW_RECORD_LIMIT` (canonical/field_limits.py), with a marker saying how long it was.
"""

import json
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from canonical.field_limits import RAW_RECORD_LIMIT, RAW_VALUE_LIMIT

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
    """Serialise a raw row for storage: JSON, control characters escaped, size bounded.

    Values that are not JSON types become strings.
    """
    shown = {_bounded(str(k)): _shown(v) for k, v in row.items()}
    text = json.dumps(shown, ensure_ascii=False, default=str, sort_keys=True)
    if len(text) <= RAW_RECORD_LIMIT:
        return text
    # Escaping may double a character (" and \\), so keep half, then say what was cut.
    head = _without_trailing_digits(text[: RAW_RECORD_LIMIT // 2])
    return json.dumps({"cut": f"raw row of {len(text):,} characters cut to {len(head):,}",
                       "text": head}, ensure_ascii=False)


# C0 controls but tab, LF and CR; DEL and the C1 controls; lone surrogates (not characters).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def visible_controls(text: str) -> str:
    """`text` with control characters and lone surrogates as visible escapes (`\\x00`)."""
    return CONTROL_CHARACTERS.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _shown(value: Any) -> Any:
    """A value as stored: text escaped and cut, lists and objects element by element."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_shown(v) for v in value]
    if isinstance(value, Mapping):
        return {_bounded(str(k)): _shown(v) for k, v in value.items()}
    return _bounded(str(value))


def _bounded(text: str) -> str:
    """Escaped, and cut at RAW_VALUE_LIMIT characters with a marker giving the full length."""
    text = visible_controls(text)
    if len(text) <= RAW_VALUE_LIMIT:
        return text
    return f"{_without_trailing_digits(text[:RAW_VALUE_LIMIT])}… [cut: {len(text):,} characters]"


def _without_trailing_digits(text: str) -> str:
    """Drop a trailing run of digits and separators: a cut must not leave part of a number
    (part of a social insurance number, say) that the SIN scan would no longer recognise."""
    end = len(text)
    while end and not text[end - 1].isalpha():
        end -= 1
    return text[:end]
