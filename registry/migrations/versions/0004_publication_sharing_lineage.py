"""Publications, ministry shares, cross-reference history, access log, runs' input checksums.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Frozen: every column is spelled out here instead of importing `registry.publication_schema`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUN_ID = sa.String(length=36)
REGISTRY_ID = sa.String(length=16)
TIMESTAMP = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
GOLDEN_COLUMNS = (
    "legal_name", "operating_name", "business_type", "legal_form", "business_number",
    "business_status", "status_date", "registration_date", "address_type", "address_line",
    "city", "province", "postal_code", "phone", "email", "naics_code", "employee_band",
    "owner_name", "owner_address_line", "owner_city", "owner_postal_code",
)


def _publication_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["publication_id"], ["publications.publication_id"], ondelete="CASCADE",
        name=op.f(f"fk_{table}_publication_id_publications"))


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("input_checksums", JSON, nullable=True))

    op.create_table(
        "publications",
        sa.Column("publication_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("published_at", TIMESTAMP, nullable=False),
        sa.Column("business_count", sa.BigInteger(), nullable=False),
        sa.Column("record_count", sa.BigInteger(), nullable=False),
        sa.Column("sharing_hash", sa.String(length=64), nullable=False),
        sa.Column("shares", JSON, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"],
                                name=op.f("fk_publications_run_id_runs")),
        sa.PrimaryKeyConstraint("publication_id", name=op.f("pk_publications")),
        sa.UniqueConstraint("run_id", name=op.f("uq_publications_run_id")),
    )

    op.create_table(
        "published_businesses",
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("registry_id", REGISTRY_ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("retired_into", REGISTRY_ID, nullable=True),
        *(sa.Column(name, sa.Text(), nullable=True) for name in GOLDEN_COLUMNS),
        sa.Column("member_count", sa.Integer(), nullable=False),
        _publication_fk("published_businesses"),
        sa.PrimaryKeyConstraint("publication_id", "registry_id",
                                name=op.f("pk_published_businesses")),
    )

    op.create_table(
        "published_cross_reference",
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("registry_id", REGISTRY_ID, nullable=False),
        _publication_fk("published_cross_reference"),
        sa.PrimaryKeyConstraint("publication_id", "source", "source_record_id",
                                name=op.f("pk_published_cross_reference")),
    )

    op.create_table(
        "shared_businesses",
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("ministry", sa.String(length=64), nullable=False),
        sa.Column("registry_id", REGISTRY_ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("retired_into", REGISTRY_ID, nullable=True),
        *(sa.Column(name, sa.Text(), nullable=True) for name in GOLDEN_COLUMNS),
        _publication_fk("shared_businesses"),
        sa.PrimaryKeyConstraint("publication_id", "ministry", "registry_id",
                                name=op.f("pk_shared_businesses")),
    )

    op.create_table(
        "cross_reference_history",
        sa.Column("history_id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("registry_id", REGISTRY_ID, nullable=True),
        sa.Column("previous_registry_id", REGISTRY_ID, nullable=True),
        sa.CheckConstraint("change IN ('linked', 'moved', 'removed')",
                           name=op.f("ck_cross_reference_history_change")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"],
                                name=op.f("fk_cross_reference_history_run_id_runs")),
        sa.PrimaryKeyConstraint("history_id", name=op.f("pk_cross_reference_history")),
    )
    op.create_index(op.f("ix_cross_reference_history_run_id"), "cross_reference_history",
                    ["run_id"])
    op.create_index(op.f("ix_cross_reference_history_source_source_record_id"),
                    "cross_reference_history", ["source", "source_record_id"])

    op.create_table(
        "access_log",
        sa.Column("access_id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("ministry", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=True),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("detail", JSON, nullable=True),
        sa.PrimaryKeyConstraint("access_id", name=op.f("pk_access_log")),
    )
    op.create_index(op.f("ix_access_log_at"), "access_log", ["at"])
    op.create_index(op.f("ix_access_log_ministry"), "access_log", ["ministry"])


def downgrade() -> None:
    for table in ("access_log", "cross_reference_history", "shared_businesses",
                  "published_cross_reference", "published_businesses", "publications"):
        op.drop_table(table)
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("input_checksums")
