"""Tables of publication, sharing and lineage: what consumers read and what auditors follow.

Same `MetaData` as registry/schema.py; built by migration 0004.
- A publication is a frozen copy of the golden registry made by one run, written in one
  transaction: `publications` (one row per publication, written last) with its
  `published_businesses` and `published_cross_reference`. Readers always take the newest
  publication, so they never see one half written; the last N are kept.
- `shared_businesses` holds, per publication and consuming ministry, the rows and values its
  data-sharing agreement allows, treatments applied (masked, keyed pseudonym, withheld). The
  ministry views on PostgreSQL and `ubr export` read only these.
- `cross_reference_history` is the append-only log of where each source record went, run by
  run (`ubr trace`); `access_log` records every read made through `ubr`.
"""

import sqlalchemy as sa

from registry.golden_schema import GOLDEN_COLUMNS, RegistryId
from registry.schema import JSONType, RunId, UTCDateTime, _status_check, metadata

XREF_CHANGES: tuple[str, ...] = ("linked", "moved", "removed")
_BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")

def _publication_key() -> sa.Column[int]:
    """The publication a snapshot row belongs to (first part of its primary key)."""
    return sa.Column("publication_id", sa.Integer,
                     sa.ForeignKey("publications.publication_id", ondelete="CASCADE"),
                     primary_key=True)


publications = sa.Table(
    "publications",
    metadata,
    sa.Column("publication_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=False, unique=True),
    sa.Column("published_at", UTCDateTime(), nullable=False),
    sa.Column("business_count", sa.BigInteger, nullable=False),  # active businesses
    sa.Column("record_count", sa.BigInteger, nullable=False),  # cross-referenced records
    sa.Column("sharing_hash", sa.String(64), nullable=False),  # config/sharing.yaml used
    sa.Column("shares", JSONType, nullable=False),  # {ministry: rows shared}
)

published_businesses = sa.Table(
    "published_businesses",
    metadata,
    _publication_key(),
    sa.Column("registry_id", RegistryId, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("retired_into", RegistryId, nullable=True),
    *(sa.Column(name, sa.Text, nullable=True) for name in GOLDEN_COLUMNS),
    sa.Column("member_count", sa.Integer, nullable=False),
)

published_cross_reference = sa.Table(
    "published_cross_reference",
    metadata,
    _publication_key(),
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("source_record_id", sa.Text, primary_key=True),
    sa.Column("registry_id", RegistryId, nullable=False),
)

shared_businesses = sa.Table(
    "shared_businesses",
    metadata,
    _publication_key(),
    sa.Column("ministry", sa.String(64), primary_key=True),
    sa.Column("registry_id", RegistryId, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("retired_into", RegistryId, nullable=True),
    *(sa.Column(name, sa.Text, nullable=True) for name in GOLDEN_COLUMNS),
)

cross_reference_history = sa.Table(
    "cross_reference_history",
    metadata,
    sa.Column("history_id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=False, index=True),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("source_record_id", sa.Text, nullable=False),
    sa.Column("change", sa.String(16), nullable=False),
    sa.Column("registry_id", RegistryId, nullable=True),  # null once removed
    sa.Column("previous_registry_id", RegistryId, nullable=True),  # for moved and removed
    sa.Index(None, "source", "source_record_id"),
    _status_check("change", XREF_CHANGES, "change"),
)

access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("access_id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime(), nullable=False, index=True),
    sa.Column("who", sa.String(200), nullable=False),
    sa.Column("ministry", sa.String(64), nullable=True, index=True),  # null: not a ministry read
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),  # export, explain, trace, report...
    sa.Column("publication_id", sa.Integer, nullable=True),
    sa.Column("row_count", sa.BigInteger, nullable=False),
    sa.Column("detail", JSONType, nullable=True),  # format, target id: never a record value
)
