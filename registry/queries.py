"""Read-side queries behind run reports and the `ubr quarantine` command.

Open and resolved quarantine are derived, not stored flags, so the history is append-only
(only `resolved_run_id` is ever set later):
- open: the row came from its source's latest batch that read files (an `unchanged` batch
  reads nothing, so it keeps the previous batch's rows open) and is not resolved;
- resolved: a later accepted batch accepted a record with the same source_record_id;
- otherwise the row is history (superseded by a later batch that no longer reports it).
"""

from typing import Any

import pandas as pd
import sqlalchemy as sa

from registry.schema import quarantine, source_batches

REASON_PREFIX_CHARS = 80
_LIST_COLUMNS = (
    "quarantine_id", "run_id", "batch_id", "quarantined_at", "source", "source_file",
    "source_line", "source_record_id", "stage", "column", "reason", "resolved_run_id",
)


def latest_read_batches() -> sa.Subquery:
    """(source, batch_id) of each source's latest batch that actually read its files."""
    return (
        sa.select(source_batches.c.source, sa.func.max(source_batches.c.batch_id).label("batch_id"))
        .where(source_batches.c.status != "unchanged")
        .group_by(source_batches.c.source)
        .subquery("latest_read")
    )


def _is_open() -> sa.ColumnElement[bool]:
    latest = latest_read_batches()
    return sa.and_(
        quarantine.c.resolved_run_id.is_(None),
        sa.exists().where(
            latest.c.source == quarantine.c.source, latest.c.batch_id == quarantine.c.batch_id
        ),
    )


def frame_of(connection: sa.Connection, statement: sa.Select[Any]) -> pd.DataFrame:
    """The rows of `statement` as a DataFrame with its column names (small results)."""
    result = connection.execute(statement)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def latest_batches(connection: sa.Connection, run_id: str | None = None) -> pd.DataFrame:
    """The batches of `run_id`, or each source's latest batch, one row per source."""
    statement = sa.select(source_batches)
    if run_id is not None:
        statement = statement.where(source_batches.c.run_id == run_id)
    else:
        latest = (
            sa.select(sa.func.max(source_batches.c.batch_id))
            .group_by(source_batches.c.source)
            .scalar_subquery()
        )
        statement = statement.where(source_batches.c.batch_id.in_(latest))
    frame = frame_of(connection, statement.order_by(source_batches.c.source))
    for column in ("rows_read", "rows_accepted", "rows_quarantined", "file_count"):
        frame[column] = frame[column].astype("int64")
    return frame


def reason_prefix(reason: str | None) -> str:
    """The stable part of a reason (before the first ':'), so counts group by kind of problem."""
    if reason is None:
        return ""
    return reason.split(":", 1)[0].strip()[:REASON_PREFIX_CHARS]


def quarantine_counts(connection: sa.Connection, run_id: str | None = None) -> pd.DataFrame:
    """Rows by source, stage, column and reason prefix: of `run_id`, or the open ones."""
    q = quarantine.c
    statement = sa.select(q.source, q.stage, q.column, q.reason, sa.func.count().label("rows"))
    statement = statement.where(q.run_id == run_id) if run_id is not None else statement.where(
        _is_open()
    )
    frame = frame_of(connection, statement.group_by(q.source, q.stage, q.column, q.reason))
    columns = ["source", "stage", "column", "reason", "rows"]
    if frame.empty:
        return pd.DataFrame({name: pd.Series(dtype="int64" if name == "rows" else "string")
                             for name in columns})
    frame["reason"] = frame["reason"].map(reason_prefix)
    frame["column"] = frame["column"].fillna("")
    grouped = frame.groupby(["source", "stage", "column", "reason"], as_index=False)["rows"].sum()
    grouped = grouped.sort_values(["source", "rows", "stage", "column", "reason"],
                                  ascending=[True, False, True, True, True])
    grouped["rows"] = grouped["rows"].astype("int64")
    return grouped.reset_index(drop=True)[columns]


def list_quarantine(
    connection: sa.Connection,
    source: str | None = None,
    open_only: bool = True,
    limit: int = 50,
    run_id: str | None = None,
    include_raw: bool = False,
) -> pd.DataFrame:
    """Quarantine rows, newest first, with an `open` flag; raw_record only if asked."""
    names = [*_LIST_COLUMNS, "raw_record"] if include_raw else list(_LIST_COLUMNS)
    is_open = _is_open()
    statement = sa.select(*(quarantine.c[name] for name in names), is_open.label("open"))
    if source is not None:
        statement = statement.where(quarantine.c.source == source)
    if run_id is not None:
        statement = statement.where(quarantine.c.run_id == run_id)
    if open_only:
        statement = statement.where(is_open)
    statement = statement.order_by(quarantine.c.quarantine_id.desc()).limit(limit)
    frame = frame_of(connection, statement)
    frame["open"] = frame["open"].astype(bool)
    frame["source_line"] = frame["source_line"].astype("Int64")
    return frame


def get_quarantine_row(connection: sa.Connection, quarantine_id: int) -> dict[str, Any] | None:
    """One row, raw record included, with `open` (bool) as in list_quarantine."""
    statement = sa.select(quarantine, _is_open().label("open")).where(
        quarantine.c.quarantine_id == int(quarantine_id)
    )
    row = connection.execute(statement).mappings().first()
    if row is None:
        return None
    found = dict(row)
    found["open"] = bool(found["open"])
    return found
