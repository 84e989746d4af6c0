"""Publication: a frozen, versioned copy of the golden registry and of every ministry's share.

A run publishes in one transaction: the golden businesses and cross-reference are copied
inside the database (INSERT ... SELECT), each ministry's share is computed by its sharing
agreement and bulk-written, the `publications` row is written, and publications beyond the
last N are pruned. Readers always take the newest publication, so they see the previous one,
whole, until the transaction commits; a failure at any point rolls everything back.
On PostgreSQL the ministry schemas, roles and views are brought up to date in the same
transaction. Messages carry counts and ids only, never record values.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from registry import bulk
from registry.database import is_postgresql, write_transaction
from registry.golden_schema import businesses, cross_reference
from registry.publication_schema import (
    publications,
    published_businesses,
    published_cross_reference,
    shared_businesses,
)
from registry.schema import runs
from registry.sharing_agreement import SharingFile
from registry.sharing_policy import SHARED_COLUMNS, agreement_secret, shared_rows
from registry.store import RegistryStore, StoreError

PUBLISHED_COLUMNS: tuple[str, ...] = (*SHARED_COLUMNS, "member_count")
_SNAPSHOTS = (shared_businesses, published_cross_reference, published_businesses)


@dataclass(frozen=True)
class Publication:
    publication_id: int
    run_id: str
    published_at: datetime
    business_count: int
    record_count: int
    sharing_hash: str
    shares: dict[str, int]


def current_publication_id(connection: sa.Connection) -> int | None:
    """The newest publication: what every reader sees."""
    return connection.scalar(sa.select(sa.func.max(publications.c.publication_id)))


def list_publications(engine: sa.Engine) -> list[Publication]:
    """Every kept publication, newest first."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(publications).order_by(
            publications.c.publication_id.desc())).mappings().all()
    return [Publication(**dict(row)) for row in rows]


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
        status = connection.scalar(sa.select(runs.c.status).where(runs.c.run_id == run_id))
        if status is None:
            raise StoreError(f"unknown run {run_id}: nothing was published")
        existing = connection.execute(sa.select(publications).where(
            publications.c.run_id == run_id)).mappings().first()
        if existing is not None:
            return Publication(**dict(existing))
        now = datetime.now(UTC)
        publication_id = int(connection.execute(publications.insert().values(
            run_id=run_id, published_at=now, business_count=0, record_count=0,
            sharing_hash=sharing_hash, shares={})).inserted_primary_key[0])
        _copy_registry(connection, publication_id)
        published = read_published(connection, publication_id)
        shares: dict[str, int] = {}
        for agreement in sharing.agreements:
            rows = shared_rows(published, agreement, secrets[agreement.id])
            shares[agreement.id] = bulk.insert_frame(
                connection, shared_businesses, rows[list(SHARED_COLUMNS)],
                {"publication_id": publication_id, "ministry": agreement.id})
        business_count = int((published["status"] == "active").sum())
        record_count = connection.scalar(sa.select(sa.func.count()).select_from(
            published_cross_reference).where(
            published_cross_reference.c.publication_id == publication_id)) or 0
        connection.execute(publications.update().where(
            publications.c.publication_id == publication_id).values(
            business_count=business_count, record_count=int(record_count), shares=shares))
        prune_publications(connection, keep)
        if is_postgresql(connection):
            from registry.ministry_access import provision_ministry_access

            provision_ministry_access(connection, sharing)
            # Fresh statistics: with none, an export's join planned as a nested loop (quadratic)
            connection.exec_driver_sql("ANALYZE " + ", ".join(t.name for t in _SNAPSHOTS))
    return Publication(publication_id, run_id, now, business_count, int(record_count),
                       sharing_hash, shares)


def _copy_registry(connection: sa.Connection, publication_id: int) -> None:
    """Copy the golden businesses and the cross-reference inside the database."""
    pid = sa.literal(publication_id, sa.Integer)
    names = list(PUBLISHED_COLUMNS)
    connection.execute(published_businesses.insert().from_select(
        ["publication_id", *names], sa.select(pid, *(businesses.c[name] for name in names))))
    xref = ("source", "source_record_id", "registry_id")
    connection.execute(published_cross_reference.insert().from_select(
        ["publication_id", *xref], sa.select(pid, *(cross_reference.c[name] for name in xref))))


def prune_publications(connection: sa.Connection, keep: int) -> list[int]:
    """Delete every publication but the newest `keep`; returns the ids removed."""
    stale = list(connection.scalars(sa.select(publications.c.publication_id).order_by(
        publications.c.publication_id.desc()).offset(keep)))
    if stale:
        for table in _SNAPSHOTS:
            connection.execute(table.delete().where(table.c.publication_id.in_(stale)))
        connection.execute(publications.delete().where(
            publications.c.publication_id.in_(stale)))
    return stale


def read_published(connection: sa.Connection, publication_id: int) -> pd.DataFrame:
    """The golden rows of a publication, every column, by registry id."""
    return bulk.read_frame(connection, sa.select(
        *(published_businesses.c[name] for name in PUBLISHED_COLUMNS)).where(
        published_businesses.c.publication_id == publication_id).order_by(
        published_businesses.c.registry_id))


def read_share(engine: sa.Engine, ministry: str, columns: list[str],
               publication_id: int | None = None) -> tuple[int | None, pd.DataFrame]:
    """A ministry's shared rows of a publication (default the newest), its visible columns."""
    with engine.connect() as connection:
        chosen = publication_id or current_publication_id(connection)
        if chosen is None:
            return None, pd.DataFrame(columns=columns)
        frame = bulk.read_frame(connection, sa.select(
            *(shared_businesses.c[name] for name in columns)).where(
            shared_businesses.c.publication_id == chosen,
            shared_businesses.c.ministry == ministry).order_by(shared_businesses.c.registry_id))
    return chosen, frame


def read_shared_cross_reference(engine: sa.Engine, ministry: str, sources: list[str],
                                publication_id: int) -> pd.DataFrame:
    """The ministry's own records in a publication's cross-reference, for the businesses in
    its share only (a row filter is not undone through the cross-reference)."""
    table, shared = published_cross_reference, shared_businesses
    in_share = sa.select(shared.c.registry_id).where(
        shared.c.publication_id == publication_id, shared.c.ministry == ministry)
    with engine.connect() as connection:
        return bulk.read_frame(connection, sa.select(
            table.c.source, table.c.source_record_id, table.c.registry_id).where(
            table.c.publication_id == publication_id, table.c.source.in_(sources),
            table.c.registry_id.in_(in_share)).order_by(table.c.source, table.c.source_record_id))


def publication_exists(engine: sa.Engine, publication_id: int) -> bool:
    with engine.connect() as connection:
        return connection.scalar(sa.select(publications.c.publication_id).where(
            publications.c.publication_id == publication_id)) is not None


def summary(publication: Publication) -> dict[str, Any]:
    """Counts and ids of a publication, for run summaries and Dagster metadata."""
    return {"publication_id": publication.publication_id, "run_id": publication.run_id,
            "businesses": publication.business_count, "records": publication.record_count,
            "shares": dict(publication.shares)}
