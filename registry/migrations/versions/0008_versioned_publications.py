"""Versioned publications: snapshot rows valid from one publication until another.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

`published_businesses`, `published_cross_reference` and `shared_businesses` held a full copy
per publication (key `publication_id`). They now hold each row once per version: part of
publications valid_from <= N < valid_until (null: current), so a publication writes only what
changed. Existing copies are converted publication by publication, oldest first: rows that
differ from, or are missing in, the next publication are closed there, and rows without an
open version are opened; every kept publication then reads exactly as before. The foreign
keys to `publications` go (a row may outlive the publication that opened it).
`publications.share_hashes` (null here) makes the next publication rewrite each share whole.

On PostgreSQL the ministry views that read these tables are dropped first (they cannot
outlive the columns they read); `ubr sharing provision` or the next publication makes them
again, with the same names and grants. Downgrade rebuilds the full copies.

Frozen: every column is spelled out here instead of importing `registry.publication_schema`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGISTRY_ID = sa.String(length=16)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
GOLDEN_COLUMNS = (
    "legal_name", "operating_name", "business_type", "legal_form", "business_number",
    "business_status", "status_date", "registration_date", "address_type", "address_line",
    "city", "province", "postal_code", "phone", "email", "naics_code", "employee_band",
    "owner_name", "owner_address_line", "owner_city", "owner_postal_code",
)
# table: (key columns, value columns)
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "published_businesses": (("registry_id",),
                             ("status", "retired_into", *GOLDEN_COLUMNS, "member_count")),
    "published_cross_reference": (("source", "source_record_id"), ("registry_id",)),
    "shared_businesses": (("ministry", "registry_id"),
                          ("status", "retired_into", *GOLDEN_COLUMNS)),
}
OLD = "_0007"  # suffix of the full-copy tables while they are converted


def _columns(table: str) -> list[sa.Column]:
    """The data columns of a snapshot table, as in 0004."""
    kinds: dict[str, sa.types.TypeEngine] = {
        "registry_id": REGISTRY_ID, "retired_into": REGISTRY_ID, "status": sa.String(16),
        "member_count": sa.Integer(), "source": sa.String(100), "source_record_id": sa.Text(),
        "ministry": sa.String(64)}
    keys, values = TABLES[table]
    required = {*keys, "status", "member_count"}
    if table == "published_cross_reference":
        required.add("registry_id")
    return [sa.Column(name, kinds.get(name, sa.Text()), nullable=name not in required)
            for name in (*keys, *values)]


def _create_versioned(table: str) -> None:
    keys, _ = TABLES[table]
    op.create_table(
        table, *_columns(table),
        sa.Column("valid_from", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint(*keys, "valid_from", name=op.f(f"pk_{table}")))
    where = sa.text("valid_until IS NOT NULL")
    op.create_index(f"ix_{table}_valid_until", table, ["valid_until"], sqlite_where=where,
                    postgresql_where=where)
    if table == "published_businesses":
        op.create_index(op.f("ix_published_businesses_valid_from"), table, ["valid_from"])


def _create_full_copy(table: str) -> None:
    keys, _ = TABLES[table]
    op.create_table(
        table, sa.Column("publication_id", sa.Integer(), nullable=False), *_columns(table),
        sa.ForeignKeyConstraint(["publication_id"], ["publications.publication_id"],
                                ondelete="CASCADE",
                                name=op.f(f"fk_{table}_publication_id_publications")),
        sa.PrimaryKeyConstraint("publication_id", *keys, name=op.f(f"pk_{table}")))


def _table(name: str, *extra: str) -> sa.TableClause:
    keys, values = TABLES[name.removesuffix(OLD).removesuffix("_0008")]
    return sa.table(name, *(sa.column(c) for c in (*extra, *keys, *values)))


def _publication_ids(bind: sa.Connection) -> list[int]:
    return list(bind.scalars(sa.text("SELECT publication_id FROM publications "
                                     "ORDER BY publication_id")))


def _drop_ministry_views(bind: sa.Connection) -> None:
    """Drop UBR's ministry views that read the snapshot tables (PostgreSQL only)."""
    if bind.dialect.name != "postgresql":
        return
    views = bind.execute(sa.text(
        "SELECT DISTINCT n.nspname, v.relname FROM pg_depend d "
        "JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class "
        "JOIN pg_namespace n ON n.oid = v.relnamespace "
        "WHERE d.refobjid IN (to_regclass('shared_businesses'), "
        "to_regclass('published_cross_reference'), to_regclass('published_businesses')) "
        "AND v.oid <> d.refobjid AND v.relkind = 'v' "
        "AND obj_description(n.oid, 'pg_namespace') LIKE 'ubr managed%'")).all()
    quote = bind.dialect.identifier_preparer.quote_identifier
    for schema, view in views:
        bind.execute(sa.text(f"DROP VIEW {quote(schema)}.{quote(view)}"))


def _set_aside(bind: sa.Connection, table: str, suffix: str) -> None:
    """Rename a table (and, on PostgreSQL, its primary key index) out of the way."""
    op.rename_table(table, table + suffix)
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table}{suffix} RENAME CONSTRAINT pk_{table} "
                   f"TO pk_{table}{suffix}")


def _version(bind: sa.Connection, table: str, publication_id: int) -> None:
    """Publish one full copy into the versioned table: close what differs, open what is new."""
    keys, values = TABLES[table]
    new, old = _table(table, "valid_from", "valid_until"), _table(table + OLD, "publication_id")
    same = [old.c[k] == new.c[k] for k in keys]
    identical = sa.select(sa.literal(1)).select_from(old).where(
        old.c.publication_id == publication_id, *same,
        *(old.c[v].is_not_distinct_from(new.c[v]) for v in values))
    bind.execute(new.update().where(new.c.valid_until.is_(None), ~identical.exists())
                 .values(valid_until=publication_id))
    current = new.alias("current")
    has_open = sa.select(sa.literal(1)).select_from(current).where(
        *(current.c[k] == old.c[k] for k in keys), current.c.valid_until.is_(None))
    bind.execute(new.insert().from_select(
        ["valid_from", *keys, *values],
        sa.select(sa.literal(publication_id, sa.Integer), *(old.c[c] for c in (*keys, *values)))
        .where(old.c.publication_id == publication_id, ~has_open.exists())))


def upgrade() -> None:
    bind = op.get_bind()
    _drop_ministry_views(bind)
    kept = _publication_ids(bind)
    for table in TABLES:
        _set_aside(bind, table, OLD)
        _create_versioned(table)
        for publication_id in kept:
            _version(bind, table, publication_id)
        op.drop_table(table + OLD)
    op.add_column("publications", sa.Column("share_hashes", JSON, nullable=True))


def downgrade() -> None:
    bind = op.get_bind()
    _drop_ministry_views(bind)
    with op.batch_alter_table("publications") as batch:
        batch.drop_column("share_hashes")
    kept = _publication_ids(bind)
    for table in TABLES:
        keys, values = TABLES[table]
        op.drop_index(f"ix_{table}_valid_until", table_name=table)
        if table == "published_businesses":
            op.drop_index(op.f("ix_published_businesses_valid_from"), table_name=table)
        _set_aside(bind, table, "_0008")
        _create_full_copy(table)
        new = _table(table + "_0008", "valid_from", "valid_until")
        full = _table(table, "publication_id")
        for publication_id in kept:
            visible = sa.and_(new.c.valid_from <= publication_id, sa.or_(
                new.c.valid_until.is_(None), new.c.valid_until > publication_id))
            bind.execute(full.insert().from_select(
                ["publication_id", *keys, *values],
                sa.select(sa.literal(publication_id, sa.Integer),
                          *(new.c[c] for c in (*keys, *values))).where(visible)))
        op.drop_table(table + "_0008")
