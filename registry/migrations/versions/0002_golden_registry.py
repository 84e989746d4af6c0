"""Golden registry: businesses, cross-reference, provenance, values, events, review, runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Frozen: every column is spelled out here instead of importing `registry.golden_schema`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
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


def _run_fk(table: str, column: str = "run_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["runs.run_id"],
                                   name=op.f(f"fk_{table}_{column}_runs"))


def upgrade() -> None:
    op.create_table(
        "businesses",
        sa.Column("registry_id", REGISTRY_ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("retired_into", REGISTRY_ID, nullable=True),
        *(sa.Column(name, sa.Text(), nullable=True) for name in GOLDEN_COLUMNS),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("state_hash", sa.String(length=32), nullable=False),
        sa.Column("first_run_id", RUN_ID, nullable=False),
        sa.Column("last_run_id", RUN_ID, nullable=False),
        sa.CheckConstraint("status IN ('active', 'retired')", name=op.f("ck_businesses_status")),
        _run_fk("businesses", "first_run_id"),
        _run_fk("businesses", "last_run_id"),
        sa.PrimaryKeyConstraint("registry_id", name=op.f("pk_businesses")),
    )
    op.create_index(op.f("ix_businesses_business_number"), "businesses", ["business_number"])
    op.create_index(op.f("ix_businesses_status"), "businesses", ["status"])

    op.create_table(
        "cross_reference",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("registry_id", REGISTRY_ID, nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        _run_fk("cross_reference"),
        sa.PrimaryKeyConstraint("source", "source_record_id", name=op.f("pk_cross_reference")),
    )
    op.create_index(op.f("ix_cross_reference_registry_id"), "cross_reference", ["registry_id"])

    op.create_table(
        "field_provenance",
        sa.Column("registry_id", REGISTRY_ID, nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        _run_fk("field_provenance"),
        sa.PrimaryKeyConstraint("registry_id", "field", name=op.f("pk_field_provenance")),
    )

    op.create_table(
        "business_values",
        sa.Column("value_id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("registry_id", REGISTRY_ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        _run_fk("business_values"),
        sa.PrimaryKeyConstraint("value_id", name=op.f("pk_business_values")),
    )
    op.create_index(op.f("ix_business_values_registry_id"), "business_values", ["registry_id"])

    op.create_table(
        "events",
        sa.Column("event_id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("registry_id", REGISTRY_ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("other_registry_id", REGISTRY_ID, nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("source_record_id", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        _run_fk("events"),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_registry_id"), "events", ["registry_id"])
    op.create_index(op.f("ix_events_run_id"), "events", ["run_id"])

    op.create_table(
        "steward_decisions",
        sa.Column("decision_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_key_l", sa.Text(), nullable=False),
        sa.Column("record_key_r", sa.Text(), nullable=False),
        sa.Column("judgement", sa.String(length=16), nullable=False),
        sa.Column("steward", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("supersedes", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("registry_id", REGISTRY_ID, nullable=True),
        sa.CheckConstraint("judgement IN ('same', 'different', 'unsure')",
                           name=op.f("ck_steward_decisions_judgement")),
        sa.CheckConstraint("record_key_l < record_key_r",
                           name=op.f("ck_steward_decisions_ordered_pair")),
        sa.ForeignKeyConstraint(["supersedes"], ["steward_decisions.decision_id"],
                                name=op.f("fk_steward_decisions_supersedes_steward_decisions")),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_steward_decisions")),
    )
    op.create_index(op.f("ix_steward_decisions_record_key_l_record_key_r"), "steward_decisions",
                    ["record_key_l", "record_key_r"])

    op.create_table(
        "review_queue",
        sa.Column("pair_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("record_key_l", sa.Text(), nullable=False),
        sa.Column("record_key_r", sa.Text(), nullable=False),
        sa.Column("registry_id_l", REGISTRY_ID, nullable=True),
        sa.Column("registry_id_r", REGISTRY_ID, nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("business_size", sa.Integer(), nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        _run_fk("review_queue"),
        sa.PrimaryKeyConstraint("pair_id", name=op.f("pk_review_queue")),
        sa.UniqueConstraint("run_id", "record_key_l", "record_key_r",
                            name=op.f("uq_review_queue_run_id_record_key_l_record_key_r")),
    )
    op.create_index(op.f("ix_review_queue_run_id_priority"), "review_queue",
                    ["run_id", "priority"])

    op.create_table(
        "match_evidence",
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("record_key_l", sa.Text(), nullable=False),
        sa.Column("record_key_r", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=True),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        _run_fk("match_evidence"),
        sa.PrimaryKeyConstraint("run_id", "record_key_l", "record_key_r",
                                name=op.f("pk_match_evidence")),
    )

    op.create_table(
        "golden_runs",
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("published_at", TIMESTAMP, nullable=False),
        sa.Column("summary", JSON, nullable=False),
        _run_fk("golden_runs"),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_golden_runs")),
    )
    op.create_index(op.f("ix_golden_runs_published_at"), "golden_runs", ["published_at"])


def downgrade() -> None:
    for table in ("golden_runs", "match_evidence", "review_queue", "steward_decisions", "events",
                  "business_values", "field_provenance", "cross_reference", "businesses"):
        op.drop_table(table)
