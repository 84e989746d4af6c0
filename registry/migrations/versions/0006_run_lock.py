"""The run lock's holder: who holds the registry (one run at a time) and since when.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

The lock itself is an OS file lock (SQLite) or a session advisory lock (PostgreSQL); this
table only names its holder, so a second run can say whom it waits for and the next run can
close a holder that died. Frozen: columns spelled out, not imported from `registry.schema`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registry_lock",
        sa.Column("lock_name", sa.String(length=32), nullable=False),
        sa.Column("holder_id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("dagster_run_id", sa.String(length=64), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"],
                                name=op.f("fk_registry_lock_run_id_runs")),
        sa.PrimaryKeyConstraint("lock_name", name=op.f("pk_registry_lock")),
    )


def downgrade() -> None:
    op.drop_table("registry_lock")
