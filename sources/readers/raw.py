"""What every reader returns: the rows of one file as they were, plus what could not be read."""

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sources.quarantine import quarantine_frame, raw_json

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


_SURROGATES = r"[\udc80-\udcff]"


def split_bad_encoding(raw: RawFile, encoding: str) -> RawFile:
    """Move rows holding bytes that were not valid in `encoding` to quarantine.

    Readers decode with errors='surrogateescape', so an undecodable byte survives as a lone
    surrogate that we can find column by column, vectorised.
    """
    bad = pd.Series(False, index=raw.rows.index)
    bad_column = pd.Series(pd.NA, index=raw.rows.index, dtype="string")
    for column in raw.columns:
        hit = raw.rows[column].str.contains(_SURROGATES, regex=True, na=False)
        bad_column = bad_column.mask(hit & bad_column.isna(), column)
        bad |= hit
    if not bad.any():
        return raw
    for index in raw.rows.index[bad]:
        row = raw.rows.loc[index]
        values = {
            c: (row[c].encode("utf-8", "surrogateescape").decode("latin-1") if pd.notna(row[c])
                else None)
            for c in raw.columns
        }
        raw.problems.append(unreadable(
            raw.source, raw.path, int(row[LINE_COLUMN]),
            f"bytes not valid in encoding {encoding} in column '{bad_column[index]}'",
            values, column=str(bad_column[index]),
        ))
    raw.rows = raw.rows.loc[~bad].reset_index(drop=True)
    return raw
