"""The tables written by the million drop their per-row foreign key to `runs`.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

`source_records`, `cross_reference`, `cross_reference_history`, `field_provenance`,
`business_values` and `match_evidence` are written in bulk, hundreds of thousands of rows per
run, always inside a transaction that first checks the run is `running` and also writes one
row that keeps its foreign key to `runs` (`source_batches` for source records, `golden_runs`
for the golden tables): that one check already proves (and, on PostgreSQL, locks) the run.
PostgreSQL checked the same run again for every row, a trigger and a row lock each: at
100,000 businesses, 7 of the 10 seconds it took to copy field_provenance. Runs are never
deleted. The downgrade puts the constraints back.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("source_records", "cross_reference", "cross_reference_history", "field_provenance",
          "business_values", "match_evidence")


def _name(table: str) -> str:
    return f"fk_{table}_run_id_runs"


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(_name(table), type_="foreignkey")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(_name(table), "runs", ["run_id"], ["run_id"])
