"""match_evidence.match_weight may be null: pairs of identical records are matched unscored.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

The linker collapses records identical on every compared field and reports their pairs as
matches by construction (rule `identical`), with no match weight.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("match_evidence") as batch:
        batch.alter_column("match_weight", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("match_evidence") as batch:
        batch.alter_column("match_weight", existing_type=sa.Float(), nullable=False)
