"""Batch status `held`: a batch beyond its source's change limit, kept for triage only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

A batch that is empty, or whose accepted rows differ from the previous accepted batch's by
more than the source's max_change, is recorded as `held`: its quarantine is kept, the
source's current records and files stay as they were (like `blocked`, but the batch itself
passed validation and waits for an operator's `ubr run --accept-change SOURCE`).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "status IN ('accepted', 'unchanged', 'failed', 'blocked')"
AFTER = "status IN ('accepted', 'unchanged', 'failed', 'blocked', 'held')"


def _replace_check(condition: str) -> None:
    with op.batch_alter_table("source_batches") as batch:
        batch.drop_constraint(op.f("ck_source_batches_status"), type_="check")
        batch.create_check_constraint("status", condition)


def upgrade() -> None:
    _replace_check(AFTER)


def downgrade() -> None:
    op.execute("UPDATE source_batches SET status = 'blocked' WHERE status = 'held'")
    _replace_check(BEFORE)
