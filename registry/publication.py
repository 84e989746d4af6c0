"""Publication: a frozen, versioned view of the golden registry and of every ministry's share.

A run publishes in one transaction: the golden businesses and cross-reference rows that
changed are closed and their new versions opened inside the database (registry.
publication_versions), each ministry's share is updated for the businesses that changed, or
rewritten whole when its agreement or key changed (registry.publication_shares), the
`publications` row is written, and publications beyond the last N are pruned. Reading
publication N gives exactly the rows a full copy made at N would hold. Readers always take
the newest publication, so they see the previous one, whole, until the transaction commits;
a failure at any point rolls everything back.
On PostgreSQL the ministry schemas, roles and views are brought up to date in the same
transaction. Messages carry counts and ids only, never record values.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import pandas as pd
import sqlalchemy as sa

from registry import bulk
from registry.database import is_postgresql, write_transaction
from registry.golden_schema import businesses, cross_reference
from registry.publication_schema import (
    SNAPSHOTS,
    publications,
    published_businesses,
    published_cross_reference,
    shared_businesses,
    visible_in,
)
from registry.publication_shares import write_shares
from registry.publication_versions import close_changed, delete_unseen, open_new
from registry.schema import runs
from registry.sharing_agreement import SharingFile
from registry.sharing_policy import SHARED_COLUMNS, agreement_secret
from registry.store import RegistryStore, StoreError

PUBLISHED_COLUMNS: tuple[str, ...] = (*SHARED_COLUMNS, "member_count")
XREF_KEYS: tuple[str, ...] = ("source", "source_record_id")
_PUBLICATION_COLUMNS = ("publication_id", "run_id", "published_at", "business_count",
                        "record_count", "sharing_hash", "shares")


@dataclass(frozen=True)
class Publication:
    publication_id: int
    run_id: str
    published_at: datetime
    business_count: int
    record_count: int
    sharing_hash: str
    shares: dict[str, int]
    written: dict[str, int] | None = None  # rows opened or closed per table (this call only)


def current_publication_id(connection: sa.Connection) -> int | None:
    """The newest publication: what every reader sees."""
    return connection.scalar(sa.select(sa.func.max(publications.c.publication_id)))


def list_publications(engine: sa.Engine) -> list[Publication]:
    """Every kept publication, newest first."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(*_columns()).order_by(
            publications.c.publication_id.desc())).mappings().all()
    return [Publication(**dict(row)) for row in rows]


def _columns() -> list[sa.Column[Any]]:
    return [publications.c[name] for name in _PUBLICATION_COLUMNS]


def publish_registry(store: RegistryStore, run_id: str, sharing: SharingFile,
                     sharing_hash: str, keep: int | None = None) -> Publication:
    """Publish the current golden registry as run `run_id`'s publication, all or nothing.

    Secrets are read before anything is written, so a missing one fails the publication
    with the previous one untouched. Re-publishing a run that already has a publication
    returns that publication (a retried step writes nothing twice).
    """
    keep = keep or sharing.keep_publications
    if keep < 1:
        raise ValueError("keep must be at least 1 publication")
    secrets = {agreement.id: agreement_secret(agreement) for agreement in sharing.agreements}
    with write_transaction(store.engine) as connection:
        if is_postgresql(connection):  # one snapshot of the golden tables for every statement
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        status = connection.scalar(sa.select(runs.c.status).where(runs.c.run_id == run_id))
        if status is None:
            raise StoreError(f"unknown run {run_id}: nothing was published")
        existing = connection.execute(sa.select(*_columns()).where(
            publications.c.run_id == run_id)).mappings().first()
        if existing is not None:
            return Publication(**dict(existing))
        previous = connection.execute(sa.select(
            publications.c.shares, publications.c.share_hashes).order_by(
            publications.c.publication_id.desc()).limit(1)).first()
        now = datetime.now(UTC)
        publication_id = int(connection.execute(publications.insert().values(
            run_id=run_id, published_at=now, business_count=0, record_count=0,
            sharing_hash=sharing_hash, shares={})).inserted_primary_key[0])
        written = _publish_registry_rows(connection, publication_id)
        shares = write_shares(
            connection, sharing, secrets, publication_id,
            (previous.shares, previous.share_hashes or {}) if previous else None,
            read_published, read_opened)
        business_count = int(connection.scalar(sa.select(sa.func.count()).select_from(
            businesses).where(businesses.c.status == "active")) or 0)
        record_count = int(connection.scalar(
            sa.select(sa.func.count()).select_from(cross_reference)) or 0)
        connection.execute(publications.update().where(
            publications.c.publication_id == publication_id).values(
            business_count=business_count, record_count=record_count, shares=shares.counts,
            share_hashes=shares.hashes))
        written[shared_businesses.name] = shares.rows_written
        prune_publications(connection, keep)
        if is_postgresql(connection):
            from registry.ministry_access import provision_ministry_access

            provision_ministry_access(connection, sharing)
            _refresh_statistics(connection, written)
    return Publication(publication_id, run_id, now, business_count, record_count,
                       sharing_hash, shares.counts, written)


def _refresh_statistics(connection: sa.Connection, written: dict[str, int]) -> None:
    """ANALYZE the snapshot tables that have no statistics or that this publication changed
    by more than a tenth: with none, an export's join planned as a nested loop (quadratic);
    a publication that changed little keeps the statistics it had (a full ANALYZE of the
    three tables cost about a second each time)."""
    stale = []
    for table in SNAPSHOTS:
        estimate = connection.scalar(sa.text(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"), {"name": table.name})
        if estimate is None or estimate <= 0 or written.get(table.name, 0) > 0.1 * estimate:
            stale.append(table.name)
    if stale:
        connection.exec_driver_sql("ANALYZE " + ", ".join(stale))


def _publish_registry_rows(connection: sa.Connection, publication_id: int) -> dict[str, int]:
    """Close the published businesses and records that changed or went, open the new and
    changed ones, inside the database; returns the rows closed or opened per table."""
    values = [name for name in PUBLISHED_COLUMNS if name != "registry_id"]
    made = {}
    for snapshot, source, keys, columns in (
            (published_businesses, businesses, ["registry_id"], values),
            (published_cross_reference, cross_reference, list(XREF_KEYS), ["registry_id"])):
        made[snapshot.name] = (
            close_changed(connection, snapshot, source, keys, columns, publication_id)
            + open_new(connection, snapshot, source, keys, columns, publication_id))
    return made


def prune_publications(connection: sa.Connection, keep: int) -> list[int]:
    """Delete every publication but the newest `keep`, and the snapshot rows none of those
    kept sees; returns the ids removed."""
    stale = list(connection.scalars(sa.select(publications.c.publication_id).order_by(
        publications.c.publication_id.desc()).offset(keep)))
    if stale:
        oldest_kept = connection.scalar(sa.select(sa.func.min(publications.c.publication_id))
                                        .where(publications.c.publication_id.not_in(stale)))
        delete_unseen(connection, int(oldest_kept if oldest_kept is not None
                                      else max(stale) + 1))
        connection.execute(publications.delete().where(
            publications.c.publication_id.in_(stale)))
    return stale


def _kept(publication_id: int) -> sa.ColumnElement[bool]:
    """True only for a kept publication: a pruned one reads as empty, not as its leftovers."""
    return sa.exists().where(publications.c.publication_id == publication_id)


def read_published(connection: sa.Connection, publication_id: int) -> pd.DataFrame:
    """The golden rows of a publication, every column, by registry id."""
    table = published_businesses
    return bulk.read_frame(connection, sa.select(
        *(table.c[name] for name in PUBLISHED_COLUMNS)).where(
        visible_in(table, publication_id), _kept(publication_id)).order_by(table.c.registry_id))


def read_opened(connection: sa.Connection, publication_id: int) -> pd.DataFrame:
    """The published rows that publication `publication_id` opened (new or changed)."""
    table = published_businesses
    return bulk.read_frame(connection, sa.select(
        *(table.c[name] for name in PUBLISHED_COLUMNS)).where(
        table.c.valid_from == publication_id).order_by(table.c.registry_id))


def read_published_cross_reference(connection: sa.Connection,
                                   publication_id: int) -> pd.DataFrame:
    """Every record's registry id in a publication, by source and record id."""
    table = published_cross_reference
    return bulk.read_frame(connection, sa.select(
        table.c.source, table.c.source_record_id, table.c.registry_id).where(
        visible_in(table, publication_id), _kept(publication_id)).order_by(
        table.c.source, table.c.source_record_id))


def read_share(engine: sa.Engine, ministry: str, columns: list[str],
               publication_id: int | None = None) -> tuple[int | None, pd.DataFrame]:
    """A ministry's shared rows of a publication (default the newest), its visible columns."""
    with engine.connect() as connection:
        chosen = publication_id or current_publication_id(connection)
        if chosen is None:
            return None, pd.DataFrame(columns=columns)
        frame = bulk.read_frame(connection, sa.select(
            *(shared_businesses.c[name] for name in columns)).where(
            shared_businesses.c.ministry == ministry, visible_in(shared_businesses, chosen),
            _kept(chosen)).order_by(shared_businesses.c.registry_id))
    return chosen, frame


def read_shared_businesses(engine: sa.Engine, ministry: str, columns: list[str],
                           registry_ids: list[str]) -> dict[str, dict]:
    """These businesses as the ministry's current share holds them (by registry id); a
    business not in the share is not in the answer. For the real-time API: a few rows, by key,
    on the driver's cursor with SQL compiled once per column list and id count (SQLAlchemy's
    execution and row layers cost ~0.35 ms a call, four times the query; every column is
    text, so no result type needs converting)."""
    registry_ids = list(dict.fromkeys(registry_ids))
    if not registry_ids:
        return {}
    sql, ordered, names, defaults = _shared_rows_sql(engine.dialect, tuple(columns),
                                                     len(registry_ids))
    given = {**defaults, "ministry": ministry,
             **{f"registry_id_{k}": r for k, r in enumerate(registry_ids)}}
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(sql, [given[n] for n in names] if names is not None else given)
        rows = cursor.fetchall()
        cursor.close()
    finally:
        connection.close()  # back to the pool
    return {row[0]: dict(zip(ordered, row, strict=True)) for row in rows}


@lru_cache(maxsize=256)
def _shared_rows_sql(dialect: sa.Dialect, columns: tuple[str, ...], count: int
                     ) -> tuple[str, tuple[str, ...], tuple[str, ...] | None, dict[str, object]]:
    """The statement for `count` ids, compiled for the dialect: its SQL, the columns it
    selects, the order of its parameters (None for a named paramstyle) and the values it binds
    itself. The current
    publication is a subquery (one round trip, not two); registry_id comes first."""
    table = shared_businesses
    chosen = sa.select(sa.func.max(publications.c.publication_id)).scalar_subquery()
    ordered = ("registry_id", *(c for c in columns if c != "registry_id"))
    statement = sa.select(*(table.c[name] for name in ordered)).where(
        table.c.ministry == sa.bindparam("ministry"),
        table.c.registry_id.in_([sa.bindparam(f"registry_id_{k}") for k in range(count)]),
        visible_in(table, chosen))
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup) if compiled.positional else None
    return compiled.string, ordered, names, dict(compiled.params)


def read_shared_cross_reference(engine: sa.Engine, ministry: str, sources: list[str],
                                publication_id: int) -> pd.DataFrame:
    """The ministry's own records in a publication's cross-reference, for the businesses in
    its share only (a row filter is not undone through the cross-reference)."""
    table, shared = published_cross_reference, shared_businesses
    in_share = sa.select(shared.c.registry_id).where(
        shared.c.ministry == ministry, visible_in(shared, publication_id))
    with engine.connect() as connection:
        return bulk.read_frame(connection, sa.select(
            table.c.source, table.c.source_record_id, table.c.registry_id).where(
            visible_in(table, publication_id), _kept(publication_id),
            table.c.source.in_(sources), table.c.registry_id.in_(in_share)).order_by(
            table.c.source, table.c.source_record_id))


def publication_exists(engine: sa.Engine, publication_id: int) -> bool:
    with engine.connect() as connection:
        return connection.scalar(sa.select(publications.c.publication_id).where(
            publications.c.publication_id == publication_id)) is not None


def summary(publication: Publication) -> dict[str, Any]:
    """Counts and ids of a publication, for run summaries and Dagster metadata."""
    made = {"publication_id": publication.publication_id, "run_id": publication.run_id,
            "businesses": publication.business_count, "records": publication.record_count,
            "shares": dict(publication.shares)}
    if publication.written is not None:
        made["rows_written"] = dict(publication.written)
    return made
