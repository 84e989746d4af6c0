"""Records registered online (the real-time API), written as a batch run would link them.

`register` writes, in one transaction under the registry's run lock: a registry run of its own
(so lineage names a run, code and configuration version), the source record, the
cross-reference to the business it joins or to a new business, the history and events, the
match evidence and the review pairs for the stewards. A batch run then reads the online copy
of every record its source's files have not delivered yet (`carry_pending`), so the record
keeps the registry id the API gave it. Messages carry ids and counts, never record values.
"""

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from canonical.evidence_profiles import profiles_of
from canonical.golden import GOLDEN_COLUMNS
from canonical.pair_ids import pair_id
from canonical.schema import CANONICAL_COLUMNS, conform, empty_canonical_frame
from registry import bulk
from registry.database import write_transaction
from registry.evidence_writes import write_missing_profiles
from registry.golden_schema import (
    businesses,
    cross_reference,
    events,
    field_provenance,
    golden_runs,
    match_evidence,
    review_queue,
)
from registry.intake_schema import intake_records
from registry.lineage_common import record_key
from registry.publication_schema import cross_reference_history
from registry.run_lock import RegistryLock
from registry.schema import runs, source_records
from registry.store import RegistryStore, StoreError, default_code_version

INTAKE_RULE = "online_intake"  # field_provenance.rule of a business created online


class IntakeConflict(StoreError):
    """The record is already in the registry (a source record id is registered once)."""


@dataclass(frozen=True)
class IntakeRegistration:
    """What the API decided for one online record, ready to be written."""

    ministry: str
    source: str
    source_record_id: str
    record: dict[str, Any]  # canonical values as validated (source_records columns)
    registry_id: str | None  # the business the record joins; None: a new business
    decision: str | None  # of the best candidate
    match_probability: float | None
    config_hash: str
    # match and review pairs with stored records: record_key_l, registry_id_l, decision,
    # rule, match_probability, match_weight, evidence (dict of levels and weights)
    pairs: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class IntakeResult:
    registry_id: str
    run_id: str
    outcome: str  # linked / created
    review_pairs: int
    decision: str | None  # of the best candidate
    match_probability: float | None
    intake_id: int  # intake_records.intake_id: the order of online registrations


def _now() -> datetime:
    return datetime.now(UTC)


def _json_value(value: Any) -> Any:
    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return value.item() if hasattr(value, "item") else value


@dataclass(frozen=True)
class OnlineRecord:
    """One online registration as a resolver takes it in."""

    intake_id: int
    record_key: str
    registry_id: str
    record: dict[str, Any]  # canonical values, conformed as a batch reads them


def _canonical_rows(records: Iterable[dict[str, Any]], sources: Iterable[str],
                    source_record_ids: Iterable[str]) -> pd.DataFrame:
    """Stored online records (JSON values) as canonical rows, typed as a batch reads them."""
    return conform(pd.DataFrame([{**r, "source": s, "source_record_id": i} for r, s, i in
                                 zip(records, sources, source_record_ids, strict=True)],
                                columns=CANONICAL_COLUMNS))


class IntakeStore:
    """Online records in the registry store."""

    def __init__(self, store: RegistryStore) -> None:
        self.store = store
        self.engine = store.engine

    # -- reading -------------------------------------------------------------------------------
    def registry_ids(self) -> dict[str, str]:
        """record_key -> registry id of every record linked to an active business."""
        xref = cross_reference.c
        statement = sa.select(xref.source, xref.source_record_id, xref.registry_id).join(
            businesses, businesses.c.registry_id == xref.registry_id).where(
            businesses.c.status == "active")
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return {record_key(s, r): registry_id for s, r, registry_id in rows}

    def known(self, source: str, source_record_id: str) -> bool:
        """Whether the registry already holds this source record (from a file or online)."""
        with self.engine.connect() as connection:
            for table in (source_records, cross_reference, intake_records):
                found = connection.scalar(sa.select(sa.literal(1)).where(
                    table.c.source == source, table.c.source_record_id == source_record_id))
                if found:
                    return True
        return False

    def active_registry_id(self, registry_id: str) -> str | None:
        """The active business an id stands for now (following merges), or None."""
        with self.engine.connect() as connection:
            for _ in range(32):
                row = connection.execute(sa.select(
                    businesses.c.status, businesses.c.retired_into).where(
                    businesses.c.registry_id == registry_id)).first()
                if row is None:
                    return None
                if row.status == "active":
                    return registry_id
                if row.retired_into is None:
                    return None
                registry_id = row.retired_into
        return None

    def latest_intake_id(self) -> int:
        """The newest online registration's intake id (0 when there is none)."""
        with self.engine.connect() as connection:
            return int(connection.scalar(sa.select(sa.func.max(intake_records.c.intake_id)))
                       or 0)

    def registrations_after(self, intake_id: int, up_to: int | None = None,
                            undelivered_only: bool = False) -> list[OnlineRecord]:
        """Online registrations newer than `intake_id` (and at most `up_to`), oldest first,
        with the canonical values each was registered with."""
        ir = intake_records.c
        statement = sa.select(ir.intake_id, ir.source, ir.source_record_id, ir.registry_id,
                              ir.record).where(ir.intake_id > intake_id).order_by(ir.intake_id)
        if up_to is not None:
            statement = statement.where(ir.intake_id <= up_to)
        if undelivered_only:
            statement = statement.where(ir.delivered_run_id.is_(None))
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        if not rows:
            return []
        values = _canonical_rows([r.record for r in rows], [r.source for r in rows],
                                 [r.source_record_id for r in rows])
        return [OnlineRecord(int(r.intake_id), record_key(r.source, r.source_record_id),
                             r.registry_id, record)
                for r, record in zip(rows, values.to_dict("records"), strict=True)]

    def business_rows(self, registry_ids: Sequence[str]) -> pd.DataFrame:
        """businesses rows (registry_id, status, retired_into, golden columns) of these ids."""
        columns = [businesses.c.registry_id, businesses.c.status, businesses.c.retired_into,
                   *(businesses.c[name] for name in GOLDEN_COLUMNS)]
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(*columns).where(
                businesses.c.registry_id.in_(list(registry_ids)))).all()
        return pd.DataFrame(rows, columns=[c.name for c in columns], dtype=object)

    def review_runs_since_publication(self) -> list[str]:
        """Intake runs after the latest published batch run: their review pairs wait too."""
        with self.engine.connect() as connection:
            published = connection.scalar(sa.select(sa.func.max(golden_runs.c.published_at)))
            statement = sa.select(intake_records.c.run_id).distinct()
            if published is not None:
                statement = statement.where(intake_records.c.received_at > published)
            return list(connection.scalars(statement))

    # -- writing -------------------------------------------------------------------------------
    def register(self, registration: IntakeRegistration,
                 make_registry_id: Callable[[int], str]) -> IntakeResult:
        """Write one online record (see the module docstring); raises IntakeConflict when the
        record is already registered and RegistryBusyError while a batch run holds the lock."""
        reg = registration
        key = record_key(reg.source, reg.source_record_id)
        lock = RegistryLock(self.store)
        lock.acquire()
        try:
            if self.known(reg.source, reg.source_record_id):
                raise IntakeConflict(f"source '{reg.source}' record '{reg.source_record_id}' is "
                                     "already in the registry; register a new id, or let the "
                                     "ministry's file update it")
            joining = self.active_registry_id(reg.registry_id) if reg.registry_id else None
            now = _now()
            with write_transaction(self.engine) as connection:
                run_id = self._insert_run(connection, reg, now)
                if joining is None:
                    registry_id = make_registry_id(self._next_sequence(connection))
                    self._create_business(connection, registry_id, reg, run_id, now)
                    outcome = "created"
                else:
                    registry_id = joining
                    connection.execute(businesses.update().where(
                        businesses.c.registry_id == registry_id).values(
                        member_count=businesses.c.member_count + 1))
                    connection.execute(events.insert().values(
                        run_id=run_id, registry_id=registry_id, kind="record_added",
                        source=reg.source, source_record_id=reg.source_record_id,
                        reason=f"registered online by {reg.ministry}: the record matches this "
                               f"business (p={reg.match_probability:.4f})", at=now))
                    outcome = "linked"
                record = conform(pd.DataFrame([{**reg.record, "source": reg.source,
                                                "source_record_id": reg.source_record_id}],
                                              columns=CANONICAL_COLUMNS))
                bulk.insert_frame(connection, source_records, record, {"run_id": run_id})
                connection.execute(cross_reference.insert().values(
                    source=reg.source, source_record_id=reg.source_record_id,
                    registry_id=registry_id, run_id=run_id))
                connection.execute(cross_reference_history.insert().values(
                    run_id=run_id, source=reg.source, source_record_id=reg.source_record_id,
                    change="linked", registry_id=registry_id))
                reviews = self._write_pairs(connection, run_id, key, registry_id, reg.pairs)
                inserted = connection.execute(intake_records.insert().values(
                    run_id=run_id, received_at=now, ministry=reg.ministry, source=reg.source,
                    source_record_id=reg.source_record_id, registry_id=registry_id,
                    outcome=outcome, decision=reg.decision,
                    match_probability=reg.match_probability,
                    record={k: _json_value(v) for k, v in reg.record.items()}))
                intake_id = int(inserted.inserted_primary_key[0])
        finally:
            lock.release()
        return IntakeResult(registry_id, run_id, outcome, reviews, reg.decision,
                            reg.match_probability, intake_id)

    @staticmethod
    def _insert_run(connection: sa.Connection, reg: IntakeRegistration, now: datetime) -> str:
        run_id = str(uuid.uuid4())
        connection.execute(runs.insert().values(
            run_id=run_id, dagster_run_id=None, started_at=now, finished_at=now,
            status="succeeded", code_version=default_code_version(),
            config_hash=reg.config_hash, summary={
                "kind": "online_intake", "ministry": reg.ministry, "source": reg.source,
                "records": 1}))
        return run_id

    @staticmethod
    def _next_sequence(connection: sa.Connection) -> int:
        last = connection.scalar(sa.select(sa.func.max(businesses.c.registry_id)))
        return int(str(last)[4:12]) + 1 if last else 1

    @staticmethod
    def _create_business(connection: sa.Connection, registry_id: str,
                         reg: IntakeRegistration, run_id: str, now: datetime) -> None:
        golden = {name: _json_value(reg.record.get(name)) for name in GOLDEN_COLUMNS}
        golden = {k: (None if v is None else str(v)) for k, v in golden.items()}
        state_hash = hashlib.md5(json.dumps(golden, sort_keys=True).encode(),
                                 usedforsecurity=False).hexdigest()
        connection.execute(businesses.insert().values(
            registry_id=registry_id, status="active", retired_into=None, **golden,
            member_count=1, state_hash=state_hash, first_run_id=run_id, last_run_id=run_id))
        provenance = [{"registry_id": registry_id, "field": name, "value": value,
                       "source": reg.source, "source_record_id": reg.source_record_id,
                       "rule": INTAKE_RULE, "run_id": run_id}
                      for name, value in golden.items() if value is not None]
        if provenance:
            connection.execute(field_provenance.insert(), provenance)
        best = "" if reg.match_probability is None else \
            f"; best candidate p={reg.match_probability:.4f}, below the match threshold"
        connection.execute(events.insert().values(
            run_id=run_id, registry_id=registry_id, kind="created", source=reg.source,
            source_record_id=reg.source_record_id,
            reason=f"registered online by {reg.ministry}: no business matched{best}", at=now))

    @staticmethod
    def _write_pairs(connection: sa.Connection, run_id: str, key: str, registry_id: str,
                     pairs: list[dict[str, Any]]) -> int:
        """Match evidence of every match and review pair; review pairs to the stewards."""
        if not pairs:
            return 0
        ids, texts = profiles_of(p["evidence"] for p in pairs)
        write_missing_profiles(connection, pd.DataFrame(
            {"profile_id": ids, "evidence": texts}).drop_duplicates("profile_id"))
        connection.execute(match_evidence.insert(), [{
            "run_id": run_id, "record_key_l": p["record_key_l"], "record_key_r": key,
            "decision": p["decision"], "rule": p.get("rule"),
            "match_probability": float(p["match_probability"]),
            "match_weight": p.get("match_weight"), "profile_id": profile}
            for p, profile in zip(pairs, ids, strict=True)])
        reviews = sorted((p for p in pairs if p["decision"] == "review"),
                         key=lambda p: abs(float(p["match_probability"]) - 0.5))
        if reviews:
            size = dict(connection.execute(sa.select(
                businesses.c.registry_id, businesses.c.member_count).where(
                businesses.c.registry_id.in_({p["registry_id_l"] for p in reviews}))).all())
            connection.execute(review_queue.insert(), [{
                "pair_id": pair_id(p["record_key_l"], key),
                "run_id": run_id, "record_key_l": p["record_key_l"], "record_key_r": key,
                "registry_id_l": p["registry_id_l"], "registry_id_r": registry_id,
                "priority": rank, "match_probability": float(p["match_probability"]),
                "match_weight": float(p.get("match_weight") or 0.0),
                "business_size": int(size.get(p["registry_id_l"], 1)),
                "evidence": p["evidence"]} for rank, p in enumerate(reviews, start=1)])
        return len(reviews)

    # -- batch runs ----------------------------------------------------------------------------
    def carry_pending(self, run_id: str, delivered: pd.DataFrame) -> pd.DataFrame:
        """Online records a batch run must take as input: those the sources' files (the
        `source`, `source_record_id` of `delivered`) have not delivered. They are put back into
        `source_records` where an accepted batch replaced them; delivered ones are marked with
        `run_id`. Returns their canonical rows."""
        ir = intake_records.c
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(ir.intake_id, ir.source, ir.source_record_id,
                                                ir.record).where(
                ir.delivered_run_id.is_(None))).all()
        if not rows:
            return empty_canonical_frame()
        pending = pd.DataFrame(rows, columns=["intake_id", "source", "source_record_id",
                                              "record"])
        keys = set(zip(delivered["source"].astype(str), delivered["source_record_id"].astype(str),
                       strict=True))
        is_delivered = pd.Series([(s, r) in keys for s, r in zip(
            pending["source"], pending["source_record_id"], strict=True)], dtype=bool)
        carried = pending[~is_delivered.to_numpy()]
        frame = _canonical_rows(carried["record"], carried["source"],
                                carried["source_record_id"]) if len(carried) else \
            empty_canonical_frame()
        with write_transaction(self.engine) as connection:
            done = pending.loc[is_delivered.to_numpy(), "intake_id"].tolist()
            if done:
                connection.execute(intake_records.update().where(
                    ir.intake_id.in_(done)).values(delivered_run_id=run_id))
            present = set(connection.execute(sa.select(
                source_records.c.source, source_records.c.source_record_id).where(
                sa.tuple_(source_records.c.source, source_records.c.source_record_id).in_(
                    list(zip(frame["source"], frame["source_record_id"], strict=True)))
            )).tuples().all()) if len(frame) else set()
            missing = frame[[(s, r) not in present for s, r in zip(
                frame["source"], frame["source_record_id"], strict=True)]]
            if len(missing):
                bulk.insert_frame(connection, source_records, missing, {"run_id": run_id})
        return frame
