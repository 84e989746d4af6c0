"""Delimited text (CSV, semicolon CSV): header on the first line, one record per row."""

import csv
from pathlib import Path

from sources.config import SourceConfig
from sources.readers.raw import (
    RawFile,
    SourceIngestError,
    split_bad_encoding,
    string_frame,
    unreadable,
)

csv.field_size_limit(10_000_000)


def read_delimited(config: SourceConfig, path: Path) -> RawFile:
    """Read with the csv module so that every record keeps the line it starts on.

    A row with the wrong number of fields is quarantined and the rest of the file goes on.
    """
    with path.open(encoding=config.encoding, errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle, delimiter=config.delimiter)
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
                start = end + 1
                continue
            if len(values) != width:
                problems.append(unreadable(
                    config.id, str(path), start,
                    f"expected {width} fields separated by '{config.delimiter}', "
                    f"found {len(values)}",
                    {"fields": values},
                ))
            else:
                records.append([v if v != "" else None for v in values])
                lines.append(start)
            start = end + 1
    raw = RawFile(config.id, str(path), string_frame(records, header, lines), header, problems)
    return split_bad_encoding(raw, config.encoding)
