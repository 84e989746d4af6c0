"""Write-side rules of a source batch: what the store checks and updates around the rows.

Kept apart from `registry.store` (the facade) so each rule is a small function that runs
inside the caller's transaction and can be read, tested and replaced on its own.
"""

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import pandas as pd
import sqlalchemy as sa

from canonical.checksums import combined_checksum
from canonical.quarantine import QUARANTINE_COLUMNS, STAGES
from canonical.schema import conform
from registry.schema import quarantine as quarantine_table
from registry.schema import runs, source_batches, source_files, source_records

WRITTEN_BATCH_STATUSES: tuple[str, ...] = ("accepted", "failed", "blocked", "held")


class StoreError(RuntimeError):
    """The store was asked for something its state does not allow (unknown or finished run)."""


class ReconciliationError(ValueError):
    """rows_read != rows accepted + rows quarantined: some rows would be unaccounted for."""


class SourceFile(NamedTuple):
    """One ingested file of a source, as the reader saw it."""

    path: str
    sha256: str
    size_bytes: int
    rows: int


FileLike = SourceFile | tuple[str, str, int, int]


def files_checksum(files: Iterable[FileLike]) -> str | None:
    """One SHA-256 over a source's files (path and content hash, order-independent)."""
    listed = [SourceFile(*item) for item in files]
    return combined_checksum(listed) if listed else None



def checked_records(source: str, records: pd.DataFrame) -> pd.DataFrame:
    records = conform(records)
    wrong_source = int((records["source"] != source).fillna(True).sum())
    if wrong_source:
        raise ValueError(f"source {source}: {wrong_source} records carry another or no source")
    ids = records["source_record_id"]
    if ids.isna().any():
        raise ValueError(f"source {source}: {int(ids.isna().sum())} records have no id")
    duplicated = int(ids.duplicated().sum())
    if duplicated:
        raise ValueError(f"source {source}: {duplicated} duplicate source_record_id values")
    return records


def checked_quarantine(source: str, rows: pd.DataFrame) -> pd.DataFrame:
    extra = sorted(set(rows.columns) - set(QUARANTINE_COLUMNS))
    if extra:
        raise ValueError(f"quarantine columns not in QUARANTINE_COLUMNS: {', '.join(extra)}")
    rows = rows.reindex(columns=list(QUARANTINE_COLUMNS)).reset_index(drop=True)
    rows["source_line"] = rows["source_line"].astype("Int64")
    for column in QUARANTINE_COLUMNS:
        if column != "source_line":
            rows[column] = rows[column].astype("string")
    rows["source"] = rows["source"].fillna(source)
    if (rows["source"] != source).any():
        raise ValueError(f"source {source}: quarantine rows of another source")
    if rows["reason"].isna().any():
        raise ValueError(f"source {source}: quarantine rows without a reason")
    bad_stage = int((~rows["stage"].isin(STAGES)).fillna(True).sum())
    if bad_stage:
        raise ValueError(f"source {source}: {bad_stage} quarantine rows with a stage not in "
                         f"{', '.join(STAGES)}")
    return rows


def resolve_quarantine(connection: sa.Connection, source: str, run_id: str, batch_id: int) -> None:
    """Mark earlier quarantine rows of `source` whose record is now accepted as resolved."""
    accepted = sa.exists().where(
        source_records.c.source == quarantine_table.c.source,
        source_records.c.source_record_id == quarantine_table.c.source_record_id,
    )
    connection.execute(
        quarantine_table.update()
        .where(
            quarantine_table.c.source == source,
            quarantine_table.c.batch_id < batch_id,
            quarantine_table.c.resolved_run_id.is_(None),
            quarantine_table.c.source_record_id.is_not(None),
            accepted,
        )
        .values(resolved_run_id=run_id)
    )


def update_files(
    connection: sa.Connection, source: str, run_id: str, files: Sequence[SourceFile]
) -> None:
    """Make `files` the source's current files; remember when each content was first seen."""
    known = {
        row.path: row.sha256
        for row in connection.execute(
            sa.select(source_files.c.path, source_files.c.sha256).where(
                source_files.c.source == source
            )
        )
    }
    connection.execute(
        source_files.update().where(source_files.c.source == source).values(is_current=False)
    )
    for item in files:
        values = {"sha256": item.sha256, "size_bytes": int(item.size_bytes),
                  "rows": int(item.rows), "is_current": True, "last_seen_run_id": run_id}
        if item.path not in known:
            connection.execute(source_files.insert().values(
                source=source, path=item.path, first_seen_run_id=run_id,
                content_run_id=run_id, **values,
            ))
            continue
        if known[item.path] != item.sha256:
            values["content_run_id"] = run_id
        connection.execute(
            source_files.update()
            .where(source_files.c.source == source, source_files.c.path == item.path)
            .values(**values)
        )


def drop_earlier_attempt(connection: sa.Connection, run_id: str, source: str) -> bool:
    """Remove a batch this run already wrote for `source` (a retried Dagster step).

    One batch per source per run is the rule (unique key); a retry replaces the earlier
    attempt instead of failing on it: its quarantine rows go, and what it resolved is reopened
    (the new attempt resolves again). Returns whether there was one.
    """
    earlier = connection.scalar(
        sa.select(source_batches.c.batch_id).where(
            source_batches.c.run_id == run_id, source_batches.c.source == source
        )
    )
    if earlier is None:
        return False
    connection.execute(quarantine_table.delete().where(quarantine_table.c.batch_id == earlier))
    connection.execute(
        quarantine_table.update()
        .where(quarantine_table.c.source == source, quarantine_table.c.resolved_run_id == run_id)
        .values(resolved_run_id=None)
    )
    connection.execute(source_batches.delete().where(source_batches.c.batch_id == earlier))
    return True


def batch_origin(connection: sa.Connection, source: str) -> sa.Row[Any] | None:
    """run_id, config_hash and code_version of the run that wrote `source`'s current records
    (the content run of its current files), or None before its first accepted batch."""
    return connection.execute(
        sa.select(runs.c.run_id, runs.c.config_hash, runs.c.code_version)
        .join(source_files, source_files.c.content_run_id == runs.c.run_id)
        .where(source_files.c.source == source, source_files.c.is_current.is_(True))
        .order_by(runs.c.started_at.desc()).limit(1)).first()
