"""Intake records: records registered online through the real-time API (`ubr serve`).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

Frozen: every column is spelled out here instead of importing `registry.intake_schema`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "intake_records",
        sa.Column("intake_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ministry", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("registry_id", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.Column("record", JSON, nullable=False),
        sa.Column("delivered_run_id", sa.String(length=36), nullable=True),
        sa.CheckConstraint("outcome IN ('linked', 'created')",
                           name=op.f("ck_intake_records_outcome")),
        sa.ForeignKeyConstraint(["delivered_run_id"], ["runs.run_id"],
                                name=op.f("fk_intake_records_delivered_run_id_runs")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"],
                                name=op.f("fk_intake_records_run_id_runs")),
        sa.PrimaryKeyConstraint("intake_id", name=op.f("pk_intake_records")),
        sa.UniqueConstraint("source", "source_record_id",
                            name=op.f("uq_intake_records_source_source_record_id")),
    )
    op.create_index(op.f("ix_intake_records_registry_id"), "intake_records", ["registry_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_intake_records_registry_id"), table_name="intake_records")
    op.drop_table("intake_records")
