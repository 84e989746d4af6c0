"""The registry's tables as SQLAlchemy Core objects: what the store reads and writes.

This module is the target of Alembic autogenerate; the migrations in `registry/migrations`
are the frozen history that builds it (a test checks that the two agree). Keys are chosen
so that later tables fit: everything a run produced points at `runs.run_id`, and a source
record is identified by `(source, source_record_id)`, the key the cross-reference will use.
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from canonical.schema import CANONICAL_FIELDS, FieldType

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

RUN_STATUSES: tuple[str, ...] = ("running", "succeeded", "failed")
BATCH_STATUSES: tuple[str, ...] = ("accepted", "unchanged", "failed", "blocked", "held")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no time zone, so naive values are read back as UTC; PostgreSQL uses
    `timestamptz` and its values are converted to UTC whatever the session zone.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
RunId = sa.String(36)  # uuid4 as text: portable, readable in logs
Sha256 = sa.String(64)

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _status_check(column: str, allowed: tuple[str, ...], name: str) -> sa.CheckConstraint:
    values = ", ".join(f"'{value}'" for value in allowed)
    return sa.CheckConstraint(f"{column} IN ({values})", name=name)


runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", RunId, primary_key=True),
    sa.Column("dagster_run_id", sa.String(64), nullable=True, index=True),
    sa.Column("started_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("code_version", sa.String(200), nullable=False),
    sa.Column("config_hash", sa.String(128), nullable=False),
    sa.Column("summary", JSONType, nullable=True),
    sa.Column("input_checksums", JSONType, nullable=True),  # {source: files checksum} (0004)
    _status_check("status", RUN_STATUSES, "status"),
)

source_batches = sa.Table(
    "source_batches",
    metadata,
    sa.Column("batch_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("rows_read", sa.BigInteger, nullable=False),
    sa.Column("rows_accepted", sa.BigInteger, nullable=False),
    sa.Column("rows_quarantined", sa.BigInteger, nullable=False),
    sa.Column("file_count", sa.Integer, nullable=False),
    sa.Column("files_checksum", Sha256, nullable=True),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("run_id", "source"),
    sa.Index(None, "source", "batch_id"),
    _status_check("status", BATCH_STATUSES, "status"),
    sa.CheckConstraint(
        "rows_read = rows_accepted + rows_quarantined", name="reconciled"
    ),
)

source_files = sa.Table(
    "source_files",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("path", sa.String(1000), primary_key=True),
    sa.Column("sha256", Sha256, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("is_current", sa.Boolean, nullable=False),
    sa.Column("first_seen_run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("content_run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("last_seen_run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=False),
)

_SQL_TYPES: dict[FieldType, Any] = {
    FieldType.STRING: sa.Text,
    FieldType.DATE: sa.Date,
    FieldType.INTEGER: sa.BigInteger,
}
_KEY_COLUMNS = ("source", "source_record_id")


def _canonical_columns() -> list[sa.Column[Any]]:
    columns: list[sa.Column[Any]] = []
    for field in CANONICAL_FIELDS:
        key = field.name in _KEY_COLUMNS
        sql_type = sa.String(100) if field.name == "source" else _SQL_TYPES[field.type]()
        columns.append(sa.Column(field.name, sql_type, primary_key=key, nullable=not key))
    return columns


source_records = sa.Table(
    "source_records",
    metadata,
    *_canonical_columns(),
    sa.Column("run_id", RunId, nullable=False),  # no per-row FK (0012)
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("quarantine_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"),
              primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("source_batches.batch_id"), nullable=False),
    sa.Column("run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("quarantined_at", UTCDateTime(), nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("source_file", sa.Text, nullable=True),
    sa.Column("source_line", sa.BigInteger, nullable=True),
    sa.Column("source_record_id", sa.Text, nullable=True),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("column", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raw_record", sa.Text, nullable=True),
    sa.Column("resolved_run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=True),
    sa.Index(None, "source", "batch_id"),
    sa.Index(None, "run_id"),
    sa.Index(None, "source", "source_record_id"),
)

# The recorded holder of the registry's run lock (registry.run_lock): at most one row. The lock
# itself is an OS file lock or a PostgreSQL advisory lock; a row whose holder no longer holds
# it is a run that died, closed as `abandoned` by the next run (0006).
registry_lock = sa.Table(
    "registry_lock",
    metadata,
    sa.Column("lock_name", sa.String(32), primary_key=True),
    sa.Column("holder_id", sa.String(36), nullable=False),
    sa.Column("run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=True),
    sa.Column("dagster_run_id", sa.String(64), nullable=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("acquired_at", UTCDateTime(), nullable=False),
)
