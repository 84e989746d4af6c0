"""Tables of the published registry: businesses, cross-reference, provenance, events, review.

Same `MetaData` as registry/schema.py (so Alembic autogenerate and the schema test see one
model); built by migration 0002. Current-state tables (businesses, cross_reference,
field_provenance, business_values) are rewritten only where a run changed something; history
lives in the append-only `events` and `steward_decisions`, and per run in `match_evidence`
and `review_queue`. Golden values are text (dates ISO YYYY-MM-DD).

The tables written by the hundred thousand (cross_reference, field_provenance,
business_values, match_evidence, and cross_reference_history and source_records beside them)
have no per-row foreign key to `runs` (migration 0012): the transaction that writes them
checks the run is running and writes one row whose key does refer to it (`golden_runs`).
"""

from typing import Any

import sqlalchemy as sa

from canonical.evidence_profiles import PROFILE_ID_LENGTH
from canonical.golden import CANONICAL_COLUMN_OF, GOLDEN_COLUMNS  # noqa: F401 - shared names
from canonical.pair_ids import PAIR_ID_LENGTH
from registry.schema import JSONType, RunId, UTCDateTime, _status_check, metadata

RegistryId = sa.String(16)
RecordKey = sa.Text  # "source:source_record_id"
BUSINESS_STATUSES: tuple[str, ...] = ("active", "retired")
JUDGEMENTS: tuple[str, ...] = ("same", "different", "unsure")
_BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")

businesses = sa.Table(
    "businesses",
    metadata,
    sa.Column("registry_id", RegistryId, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("retired_into", RegistryId, nullable=True),
    *(sa.Column(name, sa.Text, nullable=True) for name in GOLDEN_COLUMNS),
    sa.Column("member_count", sa.Integer, nullable=False),
    sa.Column("state_hash", sa.String(32), nullable=False),  # golden + provenance + values
    sa.Column("first_run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("last_run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Index(None, "status"),
    sa.Index(None, "business_number"),
    sa.Index(None, "retired_into"),  # (0005) ids merged into a business
    _status_check("status", BUSINESS_STATUSES, "status"),
)

cross_reference = sa.Table(
    "cross_reference",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("source_record_id", sa.Text, primary_key=True),
    sa.Column("registry_id", RegistryId, nullable=False, index=True),
    sa.Column("run_id", RunId, nullable=False),  # no per-row FK (0012)
)

field_provenance = sa.Table(
    "field_provenance",
    metadata,
    sa.Column("registry_id", RegistryId, primary_key=True),
    sa.Column("field", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=True),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("source_record_id", sa.Text, nullable=False),
    sa.Column("rule", sa.String(32), nullable=False),
    sa.Column("run_id", RunId, nullable=False),  # no per-row FK (0012)
)

business_values = sa.Table(
    "business_values",
    metadata,
    sa.Column("value_id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("registry_id", RegistryId, nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("source_record_id", sa.Text, nullable=False),
    sa.Column("run_id", RunId, nullable=False),  # no per-row FK (0012)
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("event_id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=False, index=True),
    sa.Column("registry_id", RegistryId, nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("other_registry_id", RegistryId, nullable=True),
    sa.Column("source", sa.String(100), nullable=True),
    sa.Column("source_record_id", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
)

steward_decisions = sa.Table(
    "steward_decisions",
    metadata,
    sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_key_l", RecordKey, nullable=False),
    sa.Column("record_key_r", RecordKey, nullable=False),
    sa.Column("judgement", sa.String(16), nullable=False),
    sa.Column("steward", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("supersedes", sa.Integer, sa.ForeignKey("steward_decisions.decision_id"),
              nullable=True),
    # 'pair', 'unmerge', 'move', 'link' or 'undo' (docs/steward-review.md)
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("registry_id", RegistryId, nullable=True),  # the business, for an unmerge
    # (0010) the decisions one steward action recorded together, undone together
    sa.Column("action_id", sa.String(32), nullable=True, index=True),
    sa.Index(None, "record_key_l", "record_key_r"),
    sa.Index(None, "record_key_r"),  # (0005) a record's decisions whichever side it is on
    _status_check("judgement", JUDGEMENTS, "judgement"),
    sa.CheckConstraint("record_key_l < record_key_r", name="ordered_pair"),
)

review_queue = sa.Table(
    "review_queue",
    metadata,
    # derived from the two record keys (canonical/pair_ids.py): the same pair on every run (0010)
    sa.Column("pair_id", sa.String(PAIR_ID_LENGTH), primary_key=True),
    sa.Column("run_id", RunId, sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("record_key_l", RecordKey, nullable=False),
    sa.Column("record_key_r", RecordKey, nullable=False),
    sa.Column("registry_id_l", RegistryId, nullable=True),
    sa.Column("registry_id_r", RegistryId, nullable=True),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("match_probability", sa.Float, nullable=False),
    sa.Column("match_weight", sa.Float, nullable=False),
    sa.Column("business_size", sa.Integer, nullable=False),
    sa.Column("evidence", JSONType, nullable=False),
    sa.UniqueConstraint("run_id", "record_key_l", "record_key_r"),
    sa.Index(None, "run_id", "priority"),
    sa.Index(None, "record_key_l"),  # (0005) a record's pairs, for `ubr trace`
    sa.Index(None, "record_key_r"),
)

# (0011) each distinct evidence set once (canonical/evidence_profiles.py); pairs name it
evidence_profiles = sa.Table(
    "evidence_profiles",
    metadata,
    sa.Column("profile_id", sa.String(PROFILE_ID_LENGTH), primary_key=True),
    sa.Column("evidence", JSONType, nullable=False),
)

match_evidence = sa.Table(
    "match_evidence",
    metadata,
    sa.Column("run_id", RunId, primary_key=True),  # no per-row FK (0012)
    sa.Column("record_key_l", RecordKey, primary_key=True),
    sa.Column("record_key_r", RecordKey, primary_key=True),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("rule", sa.String(64), nullable=True),
    sa.Column("match_probability", sa.Float, nullable=False),
    sa.Column("match_weight", sa.Float, nullable=True),  # null for identical records (0003)
    sa.Column("profile_id", sa.String(PROFILE_ID_LENGTH),
              sa.ForeignKey("evidence_profiles.profile_id"), nullable=False),
    sa.Index(None, "record_key_l"),  # (0005) a record's pairs across runs, for `ubr trace`
    sa.Index(None, "record_key_r"),
)

golden_runs = sa.Table(
    "golden_runs",
    metadata,
    sa.Column("run_id", RunId, sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("published_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("summary", JSONType, nullable=False),
)


def match_evidence_rows() -> sa.Select[Any]:
    """match_evidence with each pair's evidence (its profile's) as the column `evidence`:
    what readers see, as if the evidence were stored on every row."""
    return sa.select(*(column for column in match_evidence.c if column.name != "profile_id"),
                     evidence_profiles.c.evidence).join_from(match_evidence, evidence_profiles)
