"""What every reader returns: the rows of one file as they were, plus what could not be read."""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from canonical.quarantine import quarantine_frame, raw_json

LINE_COLUMN = "__line__"  # 1-based line (or row) number where the record starts


class SourceIngestError(Exception):
    """A source cannot be ingested at all (missing file, missing column, unknown format).

    The message names the source, the file and the column so a data engineer can act on it.
    """


@dataclass
class RawFile:
    """One file (or table) read: string columns as they were, with their line numbers."""

    source: str
    path: str
    rows: pd.DataFrame  # string columns + LINE_COLUMN (Int64)
    columns: list[str]  # header as found in the file
    problems: list[dict[str, Any]] = field(default_factory=list)  # unreadable rows
    header_line: bool = False  # the column names came from the file's first line (csv, xlsx)

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.problems)

    def quarantine(self) -> pd.DataFrame:
        return quarantine_frame(self.problems)


def unreadable(
    source: str, path: str, line: int, reason: str, raw: dict[str, Any] | str,
    column: str | None = None,
) -> dict[str, Any]:
    """A quarantine row for something the reader could not turn into a record."""
    record = raw if isinstance(raw, dict) else {"text": raw}
    return {
        "source": source, "source_file": path, "source_line": line, "source_record_id": None,
        "stage": "read", "column": column, "reason": reason, "raw_record": raw_json(record),
    }


def string_frame(records: list[list[Any]], columns: list[str], lines: list[int]) -> pd.DataFrame:
    """Build the raw frame: every value a string (None stays missing), plus line numbers."""
    frame = pd.DataFrame(records, columns=columns, dtype=object)
    for column in columns:
        frame[column] = frame[column].astype("string")
    frame[LINE_COLUMN] = pd.array(lines, dtype="Int64")
    return frame


_SURROGATE = re.compile(r"[\udc80-\udcff]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def physical_lines(text: str) -> list[str]:
    """The file's lines as an editor numbers them: split at LF, CR LF or CR only.

    Not `str.splitlines`, which also splits at form feeds, U+0085, U+2028 and other
    characters that can sit inside a value, and would shift every later line number.
    """
    lines = _LINE_BREAK.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def decode_file(path: Path, encoding: str) -> tuple[str, bool]:
    """The file's text, and whether every byte was valid in `encoding`.

    Strict decoding is the fast path. When it fails, undecodable bytes survive as lone
    surrogates (errors='surrogateescape') so that readers can quarantine just those rows.
    """
    data = path.read_bytes()
    try:
        return data.decode(encoding), True
    except UnicodeDecodeError:
        return data.decode(encoding, errors="surrogateescape"), False


def bad_bytes_column(values: list[str | None], columns: list[str]) -> str | None:
    """The first column whose value held undecodable bytes, or None."""
    for name, value in zip(columns, values, strict=False):
        if value is not None and _SURROGATE.search(value):
            return name
    return None


def visible(text: str) -> str:
    """Text with undecodable bytes shown as latin-1 characters, for storage as JSON."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def bad_encoding_reason(encoding: str, column: str) -> str:
    return f"bytes not valid in encoding {encoding} in column '{column}'"
