"""Review pairs keep their id across runs; a steward's action can be undone as one.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

The queue's integer row number becomes the first 12 hex digits of SHA-256 over the ordered
record keys (canonical/pair_ids.py, copied here so the revision stays frozen), and the key
becomes (pair_id, run_id): one pair may be queued by several runs. The table is rebuilt,
its rows kept: read, dropped, created anew, written back with their derived ids.
`steward_decisions.action_id` names the decisions one action recorded together (an unmerge
judges every pair of a business), so that an undo takes back the whole action.
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
COLUMNS = ("run_id", "record_key_l", "record_key_r", "registry_id_l", "registry_id_r",
           "priority", "match_probability", "match_weight", "business_size", "evidence")
INDEXES = (("run_id", "priority"), ("record_key_l",), ("record_key_r",))


def _derived_id(key_a: str, key_b: str) -> str:
    left, right = sorted((key_a, key_b))
    return hashlib.sha256(f"{left}\x1f{right}".encode()).hexdigest()[:12]


def _create(pair_id: sa.types.TypeEngine, stable: bool) -> sa.Table:
    key = (sa.PrimaryKeyConstraint("pair_id", "run_id", name=op.f("pk_review_queue")) if stable
           else sa.PrimaryKeyConstraint("pair_id", name=op.f("pk_review_queue")))
    table = op.create_table(
        "review_queue",
        sa.Column("pair_id", pair_id, autoincrement=not stable, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("record_key_l", sa.Text(), nullable=False),
        sa.Column("record_key_r", sa.Text(), nullable=False),
        sa.Column("registry_id_l", sa.String(length=16), nullable=True),
        sa.Column("registry_id_r", sa.String(length=16), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("business_size", sa.Integer(), nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"],
                                name=op.f("fk_review_queue_run_id_runs")),
        key,
        sa.UniqueConstraint("run_id", "record_key_l", "record_key_r",
                            name=op.f("uq_review_queue_run_id_record_key_l_record_key_r")),
    )
    for columns in INDEXES:
        op.create_index(op.f(f"ix_review_queue_{'_'.join(columns)}"), "review_queue",
                        list(columns))
    return table


def _rebuild(pair_id: sa.types.TypeEngine, stable: bool) -> None:
    connection = op.get_bind()
    old = sa.Table("review_queue", sa.MetaData(), autoload_with=connection)
    rows = [dict(row._mapping) for row in connection.execute(
        sa.select(*(old.c[c] for c in COLUMNS)).order_by(old.c.pair_id))]
    for columns in INDEXES:
        op.drop_index(op.f(f"ix_review_queue_{'_'.join(columns)}"), table_name="review_queue")
    op.drop_table("review_queue")
    table = _create(pair_id, stable)
    if stable:
        for row in rows:
            row["pair_id"] = _derived_id(row["record_key_l"], row["record_key_r"])
    if rows:
        op.bulk_insert(table, rows)


def upgrade() -> None:
    _rebuild(sa.String(length=12), stable=True)
    with op.batch_alter_table("steward_decisions") as batch:
        batch.add_column(sa.Column("action_id", sa.String(length=32), nullable=True))
        batch.create_index(batch.f("ix_steward_decisions_action_id"), ["action_id"])


def downgrade() -> None:
    with op.batch_alter_table("steward_decisions") as batch:
        batch.drop_index(batch.f("ix_steward_decisions_action_id"))
        batch.drop_column("action_id")
    _rebuild(sa.Integer(), stable=False)
