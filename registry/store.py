"""The registry store: a thin, documented facade over the tables in `registry.schema`.

One `RegistryStore` per process (it owns an engine and its connection pool). Every write
method is one transaction: it either happens completely or not at all, which is what lets
a failed run leave the previous registry intact. Messages carry counts and ids only, never
record values (they may be personal information).
"""

import json
import subprocess
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from canonical.schema import CANONICAL_COLUMNS, DATE_FIELDS, conform
from registry import batches, bulk, queries
from registry.batches import (
    WRITTEN_BATCH_STATUSES,
    FileLike,
    ReconciliationError,
    SourceFile,
    StoreError,
    files_checksum,
)
from registry.database import create_engine, database_url, is_postgresql, write_transaction
from registry.migrate import upgrade
from registry.schema import RUN_STATUSES, runs, source_batches, source_files, source_records
from registry.schema import quarantine as quarantine_table

__all__ = [
    "FileLike", "ReconciliationError", "RegistryStore", "SourceFile", "StoreError",
    "default_code_version", "files_checksum",
]

@lru_cache(maxsize=1)
def default_code_version() -> str:
    """`git describe` of the checkout the code runs from, else the installed package version."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        if described:
            return f"git:{described}"
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return f"ubr {importlib_metadata.version('ubr')}"
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


def same_committed_code(recorded: str) -> bool:
    """Whether code version `recorded` is the code running now, and committed: a checkout with
    uncommitted changes (`-dirty`) never counts as the same code."""
    current = default_code_version()
    return recorded == current and not current.endswith("-dirty")


def _now() -> datetime:
    return datetime.now(UTC)


def _json_ready(value: Any) -> Any:
    """Make a summary JSON-serialisable (numpy and pandas scalars are common in counts)."""

    def default(item: Any) -> Any:
        if hasattr(item, "item"):
            return item.item()
        if isinstance(item, datetime | date):
            return item.isoformat()
        return str(item)

    return json.loads(json.dumps(value, default=default))


class RegistryStore:
    """Runs, source batches, current source records and quarantine, in one database.

    `RegistryStore()` uses `UBR_DATABASE_URL` (or the SQLite default); call `migrate()`
    once per process before use.
    """

    def __init__(self, url: str | None = None, *, engine: sa.Engine | None = None) -> None:
        self.engine = engine if engine is not None else create_engine(url or database_url())

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def migrate(self) -> str:
        """Bring the schema to the newest revision (idempotent); returns that revision."""
        return upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "RegistryStore":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- runs -------------------------------------------------------------------------------

    def start_run(
        self, config_hash: str, code_version: str | None = None, dagster_run_id: str | None = None
    ) -> str:
        """Record a new run as `running`; returns its run_id (a uuid4 string)."""
        with write_transaction(self.engine) as connection:
            return self._insert_run(connection, config_hash, code_version, dagster_run_id)

    @staticmethod
    def _insert_run(
        connection: sa.Connection, config_hash: str, code_version: str | None,
        dagster_run_id: str | None,
    ) -> str:
        run_id = str(uuid.uuid4())
        connection.execute(
            runs.insert().values(
                run_id=run_id, dagster_run_id=dagster_run_id, started_at=_now(),
                status="running", code_version=code_version or default_code_version(),
                config_hash=config_hash,
            )
        )
        return run_id

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any] | None = None) -> None:
        """Close a running run as `succeeded` or `failed`, with its summary counts.

        The run's input checksums ({source: files checksum} of its batches) are recorded
        with it, so an auditor can tell which files a run read.
        """
        if status not in RUN_STATUSES or status == "running":
            raise ValueError(f"a run finishes as 'succeeded' or 'failed', not {status!r}")
        with write_transaction(self.engine) as connection:
            checksums = dict(connection.execute(
                sa.select(source_batches.c.source, source_batches.c.files_checksum)
                .where(source_batches.c.run_id == run_id).order_by(source_batches.c.source)
            ).tuples().all())
            updated = connection.execute(
                runs.update()
                .where(runs.c.run_id == run_id, runs.c.status == "running")
                .values(status=status, finished_at=_now(), summary=_json_ready(summary or {}),
                        input_checksums=checksums)
            ).rowcount
            if updated != 1:
                self._require_running(connection, run_id)

    def find_dagster_run(self, dagster_run_id: str) -> dict[str, Any] | None:
        """The registry run recorded for a Dagster run, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(
                runs.select().where(runs.c.dagster_run_id == dagster_run_id)
                .order_by(runs.c.started_at)
            ).first()
        return dict(row._mapping) if row else None

    def run_for_dagster_run(self, dagster_run_id: str, config_hash: str) -> str:
        """The run_id of the registry run for a Dagster run, started on first use.

        Several assets of one Dagster run write to the store; they share one registry run.
        Look-up and insert happen in one write transaction (under a per-id advisory lock on
        PostgreSQL) so that assets starting at once still get a single run.
        """
        with write_transaction(self.engine) as connection:
            if is_postgresql(connection):
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                    {"key": f"ubr-run:{dagster_run_id}"},
                )
            found = connection.scalar(
                sa.select(runs.c.run_id).where(runs.c.dagster_run_id == dagster_run_id)
                .order_by(runs.c.started_at).limit(1)
            )
            if found is not None:
                return str(found)
            return self._insert_run(connection, config_hash, None, dagster_run_id)

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        """The runs row as a dict, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(runs.select().where(runs.c.run_id == run_id)).first()
        return dict(row._mapping) if row else None

    @staticmethod
    def _require_running(connection: sa.Connection, run_id: str) -> None:
        status = connection.scalar(sa.select(runs.c.status).where(runs.c.run_id == run_id))
        if status is None:
            raise StoreError(f"unknown run {run_id}")
        if status != "running":
            raise StoreError(f"run {run_id} is already {status}")

    # -- files ------------------------------------------------------------------------------

    def known_file_checksums(self, source: str) -> dict[str, str]:
        """{path: sha256} of the files behind `source`'s current accepted records."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(source_files.c.path, source_files.c.sha256).where(
                    source_files.c.source == source, source_files.c.is_current.is_(True)
                )
            )
            return dict(rows.tuples().all())

    def current_record_count(self, source: str) -> int | None:
        """How many records `source`'s current accepted batch holds; None if it never had one."""
        with self.engine.connect() as connection:
            if connection.scalar(sa.select(sa.func.count()).select_from(source_files).where(
                    source_files.c.source == source, source_files.c.is_current.is_(True))) == 0:
                return None
            return int(connection.scalar(sa.select(sa.func.count()).select_from(
                source_records).where(source_records.c.source == source)) or 0)

    def source_files(self, source: str | None = None) -> pd.DataFrame:
        """Every file ever ingested (current or not), for audits and tests."""
        statement = sa.select(source_files).order_by(source_files.c.source, source_files.c.path)
        if source is not None:
            statement = statement.where(source_files.c.source == source)
        with self.engine.connect() as connection:
            return pd.DataFrame(connection.execute(statement).mappings().all(),
                                columns=list(source_files.c.keys()))

    # -- batches ----------------------------------------------------------------------------

    def save_source_batch(
        self,
        run_id: str,
        source: str,
        records: pd.DataFrame,
        quarantine: pd.DataFrame,
        files: Sequence[FileLike],
        rows_read: int,
        status: str = "accepted",
        message: str | None = None,
    ) -> int:
        """Record one source's batch for a run, atomically; returns the batch_id.

        `accepted`: the source's current records are replaced by `records` (delete + insert
        in one transaction), quarantine rows of earlier batches whose record is now accepted
        are marked resolved, and the file checksums become the source's current files.
        `failed` / `blocked` / `held`: only the batch row and its quarantine rows are written;
        the previous records and file checksums stay current, so the next run reads again.
        Raises ReconciliationError, writing nothing, unless rows_read = accepted + quarantined.
        Saving the same source twice in one run (a retried step) replaces the first attempt.
        """
        if status not in WRITTEN_BATCH_STATUSES:
            raise ValueError(
                f"batch status must be one of {', '.join(WRITTEN_BATCH_STATUSES)}, not {status!r}"
                " (use record_unchanged_batch for an unchanged source)"
            )
        file_list = [SourceFile(*item) for item in files]
        records = batches.checked_records(source, records)
        quarantine_rows = batches.checked_quarantine(source, quarantine)
        if len({item.path for item in file_list}) != len(file_list):
            raise ValueError(f"source {source}: the same file path is listed twice")
        if rows_read != len(records) + len(quarantine_rows):
            raise ReconciliationError(
                f"source {source}: rows_read={rows_read} but accepted={len(records)} + "
                f"quarantined={len(quarantine_rows)} = {len(records) + len(quarantine_rows)};"
                " nothing was written"
            )
        now = _now()
        with write_transaction(self.engine) as connection:
            self._require_running(connection, run_id)
            batches.drop_earlier_attempt(connection, run_id, source)
            batch_id = self._insert_batch(
                connection, run_id, source, status, rows_read, len(records),
                len(quarantine_rows), file_list, message, now,
            )
            bulk.insert_frame(
                connection, quarantine_table, quarantine_rows,
                {"batch_id": batch_id, "run_id": run_id, "quarantined_at": now},
            )
            if status == "accepted":
                connection.execute(source_records.delete().where(source_records.c.source == source))
                bulk.insert_frame(connection, source_records, records, {"run_id": run_id})
                batches.resolve_quarantine(connection, source, run_id, batch_id)
                batches.update_files(connection, source, run_id, file_list)
        return batch_id

    def record_unchanged_batch(
        self,
        run_id: str,
        source: str,
        files: Sequence[FileLike] | None = None,
        message: str | None = None,
    ) -> int:
        """Record that `source`'s files did not change: no rows are read or rewritten.

        If `files` is given it must match the current checksums (a guard against a caller
        that skipped a changed file). Counts are zero; the files' last_seen_run_id moves on.
        """
        with write_transaction(self.engine) as connection:
            self._require_running(connection, run_id)
            current = [
                SourceFile(*row)
                for row in connection.execute(
                    sa.select(source_files.c.path, source_files.c.sha256,
                              source_files.c.size_bytes, source_files.c.rows)
                    .where(source_files.c.source == source, source_files.c.is_current.is_(True))
                ).tuples()
            ]
            if not current:
                raise StoreError(f"source {source} has no accepted batch to call unchanged")
            if files is not None and files_checksum(files) != files_checksum(current):
                raise ValueError(f"source {source}: files differ from the current checksums")
            batches.drop_earlier_attempt(connection, run_id, source)
            batch_id = self._insert_batch(
                connection, run_id, source, "unchanged", 0, 0, 0, current, message, _now()
            )
            connection.execute(
                source_files.update()
                .where(source_files.c.source == source, source_files.c.is_current.is_(True))
                .values(last_seen_run_id=run_id)
            )
        return batch_id

    @staticmethod
    def _insert_batch(
        connection: sa.Connection, run_id: str, source: str, status: str, rows_read: int,
        rows_accepted: int, rows_quarantined: int, files: Sequence[SourceFile],
        message: str | None, now: datetime,
    ) -> int:
        result = connection.execute(
            source_batches.insert().values(
                run_id=run_id, source=source, status=status, rows_read=rows_read,
                rows_accepted=rows_accepted, rows_quarantined=rows_quarantined,
                file_count=len(files), files_checksum=files_checksum(files), message=message,
                recorded_at=now,
            )
        )
        return int(result.inserted_primary_key[0])

    # -- records ----------------------------------------------------------------------------

    def load_source_records(self, sources: Sequence[str] | None = None,
                            columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The current accepted records (of `sources`, default all), canonical dtypes.

        Ordered by (source, source_record_id) so that the same store always yields the same
        frame: downstream stages rely on that for reproducible runs. `columns`: only these
        canonical columns (an audit reading four columns of a million records need not
        read forty); default every one, conformed to the canonical schema.
        """
        names = list(CANONICAL_COLUMNS) if columns is None else list(columns)
        unknown = sorted(set(names) - set(CANONICAL_COLUMNS))
        if unknown:
            raise ValueError(f"not canonical columns: {', '.join(unknown)}")
        selected = [
            sa.cast(source_records.c[name], sa.Text).label(name) if name in DATE_FIELDS
            else source_records.c[name]
            for name in names
        ]
        statement = sa.select(*selected).order_by(
            source_records.c.source, source_records.c.source_record_id
        )
        if sources is not None:
            statement = statement.where(source_records.c.source.in_(list(sources)))
        convert = conform if columns is None else None
        with self.engine.connect() as connection:
            return bulk.read_frame(connection, statement, convert).reset_index(drop=True)

    # -- reports (see registry.queries) -----------------------------------------------------

    def latest_batches(self, run_id: str | None = None) -> pd.DataFrame:
        """Reconciliation per source: the batches of `run_id`, or each source's latest."""
        with self.engine.connect() as connection:
            return queries.latest_batches(connection, run_id)

    def quarantine_counts(self, run_id: str | None = None) -> pd.DataFrame:
        """Quarantined rows counted by source, stage, column and reason (open rows if no run)."""
        with self.engine.connect() as connection:
            return queries.quarantine_counts(connection, run_id)

    def list_quarantine(
        self, source: str | None = None, open_only: bool = True, limit: int = 50,
        run_id: str | None = None, include_raw: bool = False,
    ) -> pd.DataFrame:
        """Quarantine rows, newest first; raw_record only on request (it may be personal)."""
        with self.engine.connect() as connection:
            return queries.list_quarantine(
                connection, source, open_only, limit, run_id, include_raw
            )

    def get_quarantine_row(self, quarantine_id: int) -> dict[str, Any] | None:
        """One quarantine row with its raw record and open/resolved state, or None."""
        with self.engine.connect() as connection:
            return queries.get_quarantine_row(connection, quarantine_id)
