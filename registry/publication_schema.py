"""Tables of publication, sharing and lineage: what consumers read and what auditors follow.

Same `MetaData` as registry/schema.py; built by migration 0004, versioned by 0008.
- A publication is a frozen view of the golden registry made by one run, written in one
  transaction: `publications` (one row per publication, written last) with its
  `published_businesses` and `published_cross_reference`. Readers always take the newest
  publication, so they never see one half written; the last N are kept.
- `shared_businesses` holds, per consuming ministry, the rows and values its data-sharing
  agreement allows, treatments applied (masked, keyed pseudonym, withheld). The ministry views
  on PostgreSQL and `ubr export` read only these.
- The three snapshot tables are versioned rather than copied: a row is part of every
  publication from `valid_from` up to, not including, `valid_until` (null: still current).
  A publication closes the rows that changed or disappeared and adds their new versions, so
  it writes the difference, and `visible_in(table, N)` reads publication N exactly as the
  full copy it replaced. No foreign key to `publications`: a row may outlive the publication
  that opened it (pruning keeps rows that a kept publication still sees).
- `cross_reference_history` is the append-only log of where each source record went, run by
  run (`ubr trace`); `access_log` records every read made through `ubr`.
"""

import sqlalchemy as sa

from registry.golden_schema import GOLDEN_COLUMNS, RegistryId
from registry.schema import JSONType, RunId, UTCDateTime, _status_check, metadata

XREF_CHANGES: tuple[str, ...] = ("linked", "moved", "removed")
_BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _versioned(table: str) -> tuple[sa.Column[int], sa.Column[int], sa.Index]:
    """valid_from (last part of the primary key), valid_until, and the indexes that find the
    rows opened by a publication and the closed rows that pruning deletes."""
    return (sa.Column("valid_from", sa.Integer, primary_key=True),
            sa.Column("valid_until", sa.Integer, nullable=True),
            sa.Index(f"ix_{table}_valid_until", "valid_until",
                     sqlite_where=sa.text("valid_until IS NOT NULL"),
                     postgresql_where=sa.text("valid_until IS NOT NULL")))


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
    # {ministry: fingerprint of its agreement, key and policy}; null before 0008
    sa.Column("share_hashes", JSONType, nullable=True),
)

published_businesses = sa.Table(
    "published_businesses",
    metadata,
    sa.Column("registry_id", RegistryId, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("retired_into", RegistryId, nullable=True),
    *(sa.Column(name, sa.Text, nullable=True) for name in GOLDEN_COLUMNS),
    sa.Column("member_count", sa.Integer, nullable=False),
    *_versioned("published_businesses"),
    sa.Index(None, "valid_from"),  # the versions a publication opened: their shares
)

published_cross_reference = sa.Table(
    "published_cross_reference",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("source_record_id", sa.Text, primary_key=True),
    sa.Column("registry_id", RegistryId, nullable=False),
    *_versioned("published_cross_reference"),
)

shared_businesses = sa.Table(
    "shared_businesses",
    metadata,
    sa.Column("ministry", sa.String(64), primary_key=True),
    sa.Column("registry_id", RegistryId, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("retired_into", RegistryId, nullable=True),
    *(sa.Column(name, sa.Text, nullable=True) for name in GOLDEN_COLUMNS),
    *_versioned("shared_businesses"),
)

SNAPSHOTS: tuple[sa.Table, ...] = (shared_businesses, published_cross_reference,
                                   published_businesses)


def visible_in(table: sa.TableClause, publication: int | sa.ColumnElement[int]
               ) -> sa.ColumnElement[bool]:
    """The rows of a versioned snapshot table that are part of publication `publication`."""
    return sa.and_(table.c.valid_from <= publication,
                   sa.or_(table.c.valid_until.is_(None), table.c.valid_until > publication))


cross_reference_history = sa.Table(
    "cross_reference_history",
    metadata,
    sa.Column("history_id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("run_id", RunId, nullable=False, index=True),  # no per-row FK (0012)
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
