"""Delimited text (CSV, semicolon CSV): header on the first line, one record per row."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from sources.config import SourceConfig
from sources.readers.raw import (
    LINE_COLUMN,
    RawFile,
    SourceIngestError,
    bad_bytes_column,
    bad_encoding_reason,
    decode_file,
    physical_lines,
    string_frame,
    unreadable,
    visible,
)
from sources.readers.screen import screen_control_characters

FIELD_SIZE_LIMIT = 10_000_000  # characters; a larger field fails the file (csv.Error)
csv.field_size_limit(FIELD_SIZE_LIMIT)


def read_delimited(config: SourceConfig, path: Path) -> RawFile:
    """Read a delimited file; every record keeps the line it starts on.

    Clean files (valid encoding, every row with the header's field count, no record spanning
    lines) take pyarrow's fast reader; anything else is read row by row with the csv module,
    which quarantines a row with the wrong number of fields or undecodable bytes.
    """
    text, clean = decode_file(path, config.encoding)
    raw = _read_with_arrow(config, path, text) if clean else None
    if raw is None:
        raw = _read_with_csv_module(config, path, text, clean)
    return screen_control_characters(raw, config)


def _read_with_arrow(config: SourceConfig, path: Path, text: str) -> RawFile | None:
    """The fast path, or None when the file needs the careful one."""
    lines = [n for n, line in enumerate(physical_lines(text), start=1) if line.strip()]
    if not lines:
        return None
    try:
        frame = pd.read_csv(
            io.BytesIO(text.encode("utf-8")), sep=config.delimiter, engine="pyarrow",
            dtype="string", keep_default_na=False, na_values=[""], on_bad_lines="error",
        )
    except (ValueError, pa.ArrowInvalid):  # a bad row: the careful path will find it
        return None
    header = [str(name).strip().lstrip("\ufeff") for name in frame.columns]
    if len(frame) != len(lines) - 1 or len(set(header)) != len(header):
        return None  # a record spans lines, or repeated column names
    frame.columns = header
    frame[LINE_COLUMN] = pd.array(lines[1:], dtype="Int64")
    return RawFile(config.id, str(path), frame, header, header_line=True)


def _read_with_csv_module(config: SourceConfig, path: Path, text: str, clean: bool) -> RawFile:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=config.delimiter)
    try:
        header = [name.strip().lstrip("\ufeff") for name in next(reader)]
    except StopIteration:
        raise SourceIngestError(
            f"source '{config.id}': file {path} is empty (expected a header line)"
        ) from None
    width = len(header)
    records: list[list[str | None]] = []
    lines: list[int] = []
    problems = []
    start = reader.line_num + 1
    for values in _records(reader, config, path):
        end = reader.line_num
        if not values:  # a blank line is not a record
            pass
        elif len(values) != width:
            problems.append(unreadable(
                config.id, str(path), start,
                f"expected {width} fields separated by '{config.delimiter}', found {len(values)}",
                {"fields": [visible(v) for v in values]},
            ))
        elif not clean and (column := bad_bytes_column(values, header)):
            problems.append(unreadable(
                config.id, str(path), start, bad_encoding_reason(config.encoding, column),
                {"fields": [visible(v) for v in values]}, column=column,
            ))
        else:
            records.append([v if v != "" else None for v in values])
            lines.append(start)
        start = end + 1
    return RawFile(config.id, str(path), string_frame(records, header, lines), header, problems,
                   header_line=True)


def _records(reader: Iterator[list[str]], config: SourceConfig, path: Path) -> Iterator[list[str]]:
    """The csv module's records; its rare errors become a sentence naming file and line."""
    line = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field over FIELD_SIZE_LIMIT; the message has no value
            raise SourceIngestError(
                f"source '{config.id}': cannot read {path} after line {line}: {exc}; "
                "fix or remove that record and run again"
            ) from None
        line = getattr(reader, "line_num", line)
        yield values
