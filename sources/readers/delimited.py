"""Delimited text (CSV, semicolon CSV): header on the first line, one record per row."""

import csv
import io
from pathlib import Path

from sources.config import SourceConfig
from sources.readers.raw import (
    RawFile,
    SourceIngestError,
    bad_bytes_column,
    bad_encoding_reason,
    decode_file,
    string_frame,
    unreadable,
    visible,
)

csv.field_size_limit(10_000_000)


def read_delimited(config: SourceConfig, path: Path) -> RawFile:
    """Read with the csv module so that every record keeps the line it starts on.

    A row with the wrong number of fields or undecodable bytes is quarantined; the rest goes on.
    """
    text, clean = decode_file(path, config.encoding)
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
    for values in reader:
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
    return RawFile(config.id, str(path), string_frame(records, header, lines), header, problems)
