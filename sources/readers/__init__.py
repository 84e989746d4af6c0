"""Readers per format. Each returns RawFile: the rows as they were, with line numbers."""

from pathlib import Path

from sources.config import SourceConfig, SourceFormat
from sources.readers.delimited import read_delimited
from sources.readers.fixed_width import read_fixed_width
from sources.readers.jsonl import read_jsonl
from sources.readers.raw import LINE_COLUMN, RawFile, SourceIngestError
from sources.readers.sql import read_sql
from sources.readers.xlsx import read_xlsx

FILE_READERS = {
    SourceFormat.CSV: read_delimited,
    SourceFormat.JSONL: read_jsonl,
    SourceFormat.XLSX: read_xlsx,
    SourceFormat.FIXED_WIDTH: read_fixed_width,
}


def read_file(config: SourceConfig, path: Path, fmt: SourceFormat) -> RawFile:
    """Read one file of a source in the given format."""
    try:
        return FILE_READERS[fmt](config, path)
    except LookupError as exc:  # an unknown codec name in 'encoding'
        raise SourceIngestError(
            f"source '{config.id}': cannot read {path} with encoding '{config.encoding}': {exc}"
        ) from None


__all__ = ["LINE_COLUMN", "RawFile", "SourceIngestError", "read_file", "read_sql"]
