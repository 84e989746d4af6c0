"""Match evidence names a shared evidence profile instead of carrying its own JSON.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

A run's match pairs share few distinct evidence sets (11 thousand among 642 thousand pairs at
100,000 businesses) and the JSON text was most of the table's bytes. `evidence_profiles`
holds each set once under the first 16 hex digits of SHA-256 over its canonical JSON (sorted
keys; canonical/evidence_profiles.py, copied here so the revision stays frozen), and
`match_evidence.profile_id` replaces `match_evidence.evidence`. Existing rows keep their
evidence: each distinct stored text is mapped to its profile through a scratch table, then
every row takes its profile id in one UPDATE. The downgrade writes the evidence back.
"""

import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
FOREIGN_KEY = "fk_match_evidence_profile_id_evidence_profiles"
MAP = "evidence_profile_map_0011"
CHUNK = 1_000


def _profile(text: str) -> tuple[str, str]:
    canonical = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"),
                           allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16], canonical


def upgrade() -> None:
    connection = op.get_bind()
    profiles = op.create_table(
        "evidence_profiles",
        sa.Column("profile_id", sa.String(length=16), nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        sa.PrimaryKeyConstraint("profile_id", name=op.f("pk_evidence_profiles")),
    )
    scratch = op.create_table(
        MAP, sa.Column("stored", sa.Text(), primary_key=True),
        sa.Column("profile_id", sa.String(length=16), nullable=False))
    stored_text = sa.cast(sa.column("evidence"), sa.Text())
    texts = [row[0] for row in connection.execute(
        sa.select(stored_text).select_from(sa.table("match_evidence")).distinct())]
    seen: dict[str, str] = {}
    for start in range(0, len(texts), CHUNK):
        rows = []
        for text in texts[start:start + CHUNK]:
            profile_id, canonical = _profile(text)
            seen.setdefault(profile_id, canonical)
            rows.append({"stored": text, "profile_id": profile_id})
        op.bulk_insert(scratch, rows)
    items = list(seen.items())
    for start in range(0, len(items), CHUNK):
        op.bulk_insert(profiles, [{"profile_id": key, "evidence": json.loads(text)}
                                  for key, text in items[start:start + CHUNK]])
    with op.batch_alter_table("match_evidence") as batch:
        batch.add_column(sa.Column("profile_id", sa.String(length=16), nullable=True))
    connection.execute(sa.text(
        f"UPDATE match_evidence SET profile_id = (SELECT m.profile_id FROM {MAP} m "
        "WHERE m.stored = CAST(match_evidence.evidence AS TEXT))"))
    op.drop_table(MAP)
    with op.batch_alter_table("match_evidence") as batch:
        batch.alter_column("profile_id", existing_type=sa.String(length=16), nullable=False)
        batch.drop_column("evidence")
        batch.create_foreign_key(FOREIGN_KEY, "evidence_profiles", ["profile_id"],
                                 ["profile_id"])


def downgrade() -> None:
    with op.batch_alter_table("match_evidence") as batch:
        batch.add_column(sa.Column("evidence", JSON, nullable=True))
    op.get_bind().execute(sa.text(
        "UPDATE match_evidence SET evidence = (SELECT p.evidence FROM evidence_profiles p "
        "WHERE p.profile_id = match_evidence.profile_id)"))
    with op.batch_alter_table("match_evidence") as batch:
        batch.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch.drop_column("profile_id")
        batch.alter_column("evidence", existing_type=JSON, nullable=False)
    op.drop_table("evidence_profiles")
