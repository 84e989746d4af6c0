"""Ingest one source: read every file, map to canonical, account for every row."""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from canonical.checksums import combined_checksum
from canonical.quarantine import quarantine_frame
from canonical.schema import empty_canonical_frame
from sources.config import SourceConfig, SourceFormat
from sources.locate import (
    FileFingerprint,
    file_format,
    fingerprint_file,
    source_files,
    sql_url,
)
from sources.mapping import check_columns, map_to_canonical
from sources.readers import RawFile, read_file, read_sql
from sources.readers.sql import describe_url, sqlite_file


class ReconciliationError(AssertionError):
    """Rows read != rows accepted + rows quarantined: a row was lost or invented."""


@dataclass
class SourceBatch:
    """Everything one source yielded in one run."""

    source: str
    records: pd.DataFrame  # canonical
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS
    files: list[FileFingerprint]
    raw_columns: list[str] = field(default_factory=list)
    rows_read: int = 0
    # per record, ';'-joined names of fields whose SIN was removed at intake ("" if none)
    sin_fields: pd.Series | None = None
    # the files are those of the registry's current batch, written by this run with the same
    # configuration and code: nothing was read, the stored records stand (kept_batch)
    kept_from_run: str | None = None

    @property
    def checksum(self) -> str:
        return combined_checksum(self.files)

    @property
    def rows_accepted(self) -> int:
        return len(self.records)

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantine)

    def reconcile(self) -> None:
        """Raise unless every row read was accepted or quarantined."""
        if self.rows_read != self.rows_accepted + self.rows_quarantined:
            raise ReconciliationError(
                f"source '{self.source}': read {self.rows_read} rows but accepted "
                f"{self.rows_accepted} and quarantined {self.rows_quarantined}"
            )


def kept_batch(config: SourceConfig, files: list[FileFingerprint], run_id: str) -> SourceBatch:
    """A batch that stands for the registry's current one: its files did not change since
    run `run_id` read them with the same configuration and code, so reading them again would
    yield the same records. No row is read; the store's records are used downstream."""
    return SourceBatch(source=config.id, records=empty_canonical_frame(),
                       quarantine=quarantine_frame(), files=files, kept_from_run=run_id)


def fingerprint_source(config: SourceConfig, data_dir: Path) -> list[FileFingerprint]:
    """Cheap change detection without reading rows: file checksums (the sensor uses this).

    A SQL source on a SQLite file is fingerprinted by the file; on a server, by its content.
    """
    if config.format is SourceFormat.SQL:
        url = sql_url(config, data_dir)
        path = sqlite_file(url)
        if path is not None and path.is_file():
            return [fingerprint_file(path)]
        return _read_sql_batch(config, url)[1]
    return [fingerprint_file(p) for p in source_files(config, data_dir)]


def _read_sql_batch(config: SourceConfig, url: str) -> tuple[RawFile, list[FileFingerprint]]:
    """Read a SQL source; its fingerprint is the SQLite file's, else a hash of its rows."""
    raw = read_sql(config, url)
    path = sqlite_file(url)
    if path is not None and path.is_file():
        return raw, [fingerprint_file(path, raw.rows_read)]
    content = pd.util.hash_pandas_object(raw.rows, index=False).to_numpy().tobytes()
    digest = hashlib.sha256(content).hexdigest()
    return raw, [FileFingerprint(describe_url(url), digest, 0, raw.rows_read)]


def read_source(
    config: SourceConfig, data_dir: Path
) -> tuple[list[RawFile], list[FileFingerprint]]:
    """Read every input of a source; a file-level problem fails the whole source."""
    if config.format is SourceFormat.SQL:
        raw, prints = _read_sql_batch(config, sql_url(config, data_dir))
        return [raw], prints
    raws, prints = [], []
    for path in source_files(config, data_dir):
        raw = read_file(config, path, file_format(config, path))
        check_columns(config, raw)
        raws.append(raw)
        prints.append(fingerprint_file(path, raw.rows_read))
    return raws, prints


def ingest_source(config: SourceConfig, data_dir: Path) -> SourceBatch:
    """Read, map and reconcile one source. Raises SourceIngestError for file-level problems."""
    raws, prints = read_source(config, data_dir)
    records, quarantined = [empty_canonical_frame()], [quarantine_frame()]
    for raw in raws:
        mapped, bad = map_to_canonical(config, raw)
        records.append(mapped)
        quarantined.extend([raw.quarantine(), bad])
    batch = SourceBatch(
        source=config.id,
        records=pd.concat(records, ignore_index=True),
        quarantine=pd.concat(quarantined, ignore_index=True),
        files=prints,
        raw_columns=list(dict.fromkeys(c for raw in raws for c in raw.columns)),
        rows_read=sum(raw.rows_read for raw in raws),
    )
    batch.reconcile()
    return batch
