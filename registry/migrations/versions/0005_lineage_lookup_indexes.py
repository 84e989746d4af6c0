"""Indexes for lineage look-ups: a record's pairs and decisions, ids merged into a business.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

`ubr trace` and `ubr explain` look records up on either side of a pair; without these the
right-hand side (and, for match_evidence, which keeps every run's pairs, the left-hand side
across runs) read whole tables.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("businesses", "retired_into"),
    ("steward_decisions", "record_key_r"),
    ("review_queue", "record_key_l"),
    ("review_queue", "record_key_r"),
    ("match_evidence", "record_key_l"),
    ("match_evidence", "record_key_r"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
