"""Store foundation: runs, source files, source batches, source records, quarantine.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Frozen: this file spells out every column instead of importing `registry.schema`, so that
later changes to the schema module cannot change what this revision builds.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUN_ID = sa.String(length=36)
TIMESTAMP = sa.DateTime(timezone=True)

# canonical.schema.CANONICAL_FIELDS as of this revision (lineage fields, then data fields).
_CANONICAL: tuple[tuple[str, sa.types.TypeEngine], ...] = (
    ("source_file", sa.Text()),
    ("source_line", sa.BigInteger()),
    ("record_hash", sa.Text()),
    *((name, sa.Text()) for name in (
        "business_type", "legal_name", "operating_name", "legal_form", "business_number",
        "program_accounts", "status",
    )),
    ("registration_date", sa.Date()),
    ("status_date", sa.Date()),
    *((name, sa.Text()) for name in (
        "address_type", "address_line", "city", "province", "postal_code", "phone", "email",
        "naics_code", "employee_band", "permit_number", "permit_type", "owner_name",
        "owner_address_line", "owner_city", "owner_postal_code",
    )),
)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("dagster_run_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("code_version", sa.String(length=200), nullable=False),
        sa.Column("config_hash", sa.String(length=128), nullable=False),
        sa.Column(
            "summary",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'failed')", name=op.f("ck_runs_status")
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_runs")),
    )
    op.create_index(op.f("ix_runs_dagster_run_id"), "runs", ["dagster_run_id"])
    op.create_index(op.f("ix_runs_started_at"), "runs", ["started_at"])

    op.create_table(
        "source_batches",
        sa.Column("batch_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_accepted", sa.BigInteger(), nullable=False),
        sa.Column("rows_quarantined", sa.BigInteger(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("files_checksum", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "status IN ('accepted', 'unchanged', 'failed', 'blocked')",
            name=op.f("ck_source_batches_status"),
        ),
        sa.CheckConstraint(
            "rows_read = rows_accepted + rows_quarantined",
            name=op.f("ck_source_batches_reconciled"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_source_batches_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_source_batches")),
        sa.UniqueConstraint("run_id", "source", name=op.f("uq_source_batches_run_id_source")),
    )
    op.create_index(
        op.f("ix_source_batches_source_batch_id"), "source_batches", ["source", "batch_id"]
    )

    op.create_table(
        "source_files",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("first_seen_run_id", RUN_ID, nullable=False),
        sa.Column("content_run_id", RUN_ID, nullable=False),
        sa.Column("last_seen_run_id", RUN_ID, nullable=False),
        *(
            sa.ForeignKeyConstraint(
                [column], ["runs.run_id"], name=op.f(f"fk_source_files_{column}_runs")
            )
            for column in ("content_run_id", "first_seen_run_id", "last_seen_run_id")
        ),
        sa.PrimaryKeyConstraint("source", "path", name=op.f("pk_source_files")),
    )

    op.create_table(
        "source_records",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        *(sa.Column(name, sql_type, nullable=True) for name, sql_type in _CANONICAL),
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_source_records_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("source", "source_record_id", name=op.f("pk_source_records")),
    )

    op.create_table(
        "quarantine",
        sa.Column(
            "quarantine_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("quarantined_at", TIMESTAMP, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_line", sa.BigInteger(), nullable=True),
        sa.Column("source_record_id", sa.Text(), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("column", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw_record", sa.Text(), nullable=True),
        sa.Column("resolved_run_id", RUN_ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["source_batches.batch_id"],
            name=op.f("fk_quarantine_batch_id_source_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_run_id"], ["runs.run_id"], name=op.f("fk_quarantine_resolved_run_id_runs")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_quarantine_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("quarantine_id", name=op.f("pk_quarantine")),
    )
    op.create_index(op.f("ix_quarantine_run_id"), "quarantine", ["run_id"])
    op.create_index(op.f("ix_quarantine_source_batch_id"), "quarantine", ["source", "batch_id"])
    op.create_index(
        op.f("ix_quarantine_source_source_record_id"),
        "quarantine",
        ["source", "source_record_id"],
    )


def downgrade() -> None:
    op.drop_table("quarantine")
    op.drop_table("source_records")
    op.drop_table("source_files")
    op.drop_table("source_batches")
    op.drop_table("runs")
