"""Write the difference: versioned snapshot rows, closed when they change, opened when new.

A snapshot table (registry.publication_schema) holds each row once per version: a row is part
of publications valid_from <= N < valid_until (null: still current). To publish N from a
source (the golden tables), rows still open that the source no longer holds identically are
closed at N, then every source row without an open version is opened at N. Both are single
set-based statements inside the database, so a publication whose registry barely changed
writes almost nothing, and unchanged rows are never read into Python. Pruning deletes only
the rows no kept publication sees.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from registry.publication_schema import SNAPSHOTS


def _same_key(a: sa.FromClause, b: sa.FromClause,
              keys: Sequence[str]) -> list[sa.ColumnElement[bool]]:
    return [a.c[k] == b.c[k] for k in keys]


def close_changed(connection: sa.Connection, snapshot: sa.Table, source: sa.FromClause,
                  keys: Sequence[str], values: Sequence[str], publication_id: int,
                  *extra: sa.ColumnElement[bool]) -> int:
    """Close (valid_until = N) the open rows, among those matching `extra`, that `source` no
    longer holds with the same key and values (nulls equal to nulls); returns how many."""
    identical = sa.select(sa.literal(1)).select_from(source).where(
        *_same_key(source, snapshot, keys),
        *(source.c[v].is_not_distinct_from(snapshot.c[v]) for v in values))
    result = connection.execute(snapshot.update().where(
        snapshot.c.valid_until.is_(None), *extra, ~identical.exists()).values(
        valid_until=publication_id))
    return int(result.rowcount)


def open_new(connection: sa.Connection, snapshot: sa.Table, source: sa.FromClause,
             keys: Sequence[str], values: Sequence[str], publication_id: int) -> int:
    """Open (valid_from = N) a version of every `source` row that has no open row; run after
    close_changed, these are the new and the changed rows. Returns how many."""
    alias = snapshot.alias("open_version")
    has_open = sa.select(sa.literal(1)).select_from(alias).where(
        *_same_key(alias, source, keys), alias.c.valid_until.is_(None))
    names = [*keys, *values]
    result = connection.execute(snapshot.insert().from_select(
        ["valid_from", *names],
        sa.select(sa.literal(publication_id, sa.Integer), *(source.c[n] for n in names))
        .where(~has_open.exists())).execution_options(preserve_rowcount=True))
    return int(result.rowcount)


def close_all(connection: sa.Connection, snapshot: sa.Table, publication_id: int,
              *where: sa.ColumnElement[bool]) -> int:
    """Close every open row matching `where` (a share rewritten whole, a ministry gone)."""
    result = connection.execute(snapshot.update().where(
        snapshot.c.valid_until.is_(None), *where).values(valid_until=publication_id))
    return int(result.rowcount)


def delete_unseen(connection: sa.Connection, oldest_kept: int) -> int:
    """Delete the rows that no publication from `oldest_kept` on sees (closed at or before it)."""
    deleted = 0
    for table in SNAPSHOTS:
        result = connection.execute(table.delete().where(
            table.c.valid_until.is_not(None), table.c.valid_until <= oldest_kept))
        deleted += int(result.rowcount)
    return deleted
