"""What the store says about the last registry job run and what happened since it started.

A run's result depends on the store as well as on the files: steward decisions and online
registrations made since the last run are applied by the next one, and each ministry's share
is written with the fingerprint of its agreement and key. These queries let a caller tell
whether a new run would publish anything different (pipelines/pending_work.py).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from registry.batches import batch_origin
from registry.golden_schema import steward_decisions
from registry.intake_schema import intake_records
from registry.publication_schema import publications
from registry.schema import runs
from registry.store import RegistryStore


@dataclass(frozen=True)
class LastJobRun:
    """The latest registry run started by the Dagster job (online registrations are runs too,
    without a Dagster run), with its publication's share fingerprints if it published."""

    run_id: str
    status: str
    started_at: datetime
    code_version: str
    config_hash: str
    share_hashes: dict[str, str] | None  # None: the run published nothing


def last_job_run(store: RegistryStore) -> LastJobRun | None:
    with store.engine.connect() as connection:
        row = connection.execute(
            sa.select(runs.c.run_id, runs.c.status, runs.c.started_at, runs.c.code_version,
                      runs.c.config_hash, publications.c.share_hashes)
            .select_from(runs.outerjoin(publications, publications.c.run_id == runs.c.run_id))
            .where(runs.c.dagster_run_id.is_not(None))
            .order_by(runs.c.started_at.desc()).limit(1)
        ).first()
    if row is None:
        return None
    found: dict[str, Any] = dict(row._mapping)
    return LastJobRun(**found)


def activity_since(store: RegistryStore, since: datetime) -> dict[str, int]:
    """Steward decisions and online registrations recorded at or after `since`: a run applies
    both, so either means the next run has work."""
    with store.engine.connect() as connection:
        decisions = connection.scalar(sa.select(sa.func.count()).select_from(steward_decisions)
                                      .where(steward_decisions.c.at >= since))
        registrations = connection.scalar(
            sa.select(sa.func.count()).select_from(intake_records)
            .where(intake_records.c.received_at >= since))
    return {"steward decision(s)": int(decisions or 0),
            "online registration(s)": int(registrations or 0)}


@dataclass(frozen=True)
class BatchOrigin:
    """The run that wrote a source's current accepted records, and what it ran with."""

    run_id: str
    config_hash: str
    code_version: str


def current_batch_origin(store: RegistryStore, source: str) -> BatchOrigin | None:
    """Who wrote `source`'s current records (the content run of its current files): a run
    with the same files, configuration and code would read and validate them the same way."""
    with store.engine.connect() as connection:
        row = batch_origin(connection, source)
    return BatchOrigin(*row) if row else None
