"""The intake table: records a ministry registered online through the real-time API.

One row per record (source, source_record_id). Its canonical values are kept here as well as
in `source_records`, because a source's next accepted batch replaces that source's
`source_records`: until the ministry's own file delivers the same record, every batch run
takes the online copy as input (`registry.intake_store.pending_records`), so the record keeps
the registry id the API gave it. `delivered_run_id` is the run whose batch delivered it.
"""

import sqlalchemy as sa

from registry.golden_schema import RegistryId
from registry.schema import JSONType, RunId, UTCDateTime, _status_check, metadata

INTAKE_OUTCOMES: tuple[str, ...] = ("linked", "created")
_BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")

intake_records = sa.Table(
    "intake_records",
    metadata,
    sa.Column("intake_id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("received_at", UTCDateTime(), nullable=False),
    sa.Column("ministry", sa.String(64), nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("source_record_id", sa.Text, nullable=False),
    sa.Column("registry_id", RegistryId, nullable=False, index=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("decision", sa.String(16), nullable=True),  # of the best candidate, if any
    sa.Column("match_probability", sa.Float, nullable=True),
    sa.Column("record", JSONType, nullable=False),  # canonical values (may be personal)
    sa.Column("delivered_run_id", RunId, sa.ForeignKey("runs.run_id"), nullable=True),
    sa.UniqueConstraint("source", "source_record_id"),
    _status_check("outcome", INTAKE_OUTCOMES, "outcome"),
)
