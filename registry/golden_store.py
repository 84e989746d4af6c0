"""Persistence of the golden registry: what one run changed, written in one transaction.

The domain (matching/golden) computes the changes as DataFrames; this module only reads the
previous state and writes `RunChanges` atomically, so a failed run leaves the registry as it
was. It depends on neither matching/ nor sources/ beyond the shared schema. Messages carry
counts and ids only, never record values.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from canonical.golden import GoldenChanges
from canonical.membership import member_of
from canonical.pair_ids import pair_ids
from registry import bulk
from registry.database import write_transaction
from registry.evidence_writes import write_missing_profiles
from registry.golden_schema import (
    JUDGEMENTS,
    business_values,
    businesses,
    cross_reference,
    events,
    field_provenance,
    golden_runs,
    match_evidence,
    match_evidence_rows,
    review_queue,
    steward_decisions,
)
from registry.intake_store import IntakeStore
from registry.publication_schema import cross_reference_history
from registry.schema import runs
from registry.store import RegistryStore, StoreError

BULK_READ_IDS = 20_000  # beyond this many businesses, read a whole table instead of by id


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PreviousState:
    cross_reference: pd.DataFrame  # record_key, registry_id (active businesses)
    businesses: pd.DataFrame  # registry_id, state_hash, member_count, first_run_id (active)
    next_sequence: int
    # record_key, registry_id, first_run_id: records that left, whose business is retired now
    departed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["record_key", "registry_id", "first_run_id"]))
    # record_key, registry_id, first_run_id: active records that came into their business
    # when that (now retired) id merged into it, so a later split can give the id back
    absorbed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["record_key", "registry_id", "first_run_id"]))


RunChanges = GoldenChanges  # what one run writes (canonical/golden.py)


def with_pair_ids(queue: pd.DataFrame) -> pd.DataFrame:
    """The review queue with each pair's stable id (canonical/pair_ids.py) as `pair_id`."""
    return queue.assign(pair_id=pair_ids(queue["record_key_l"], queue["record_key_r"]))


def xref_history(linked: pd.DataFrame, previous: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """cross_reference_history rows of one run: records linked, moved, or removed.

    `linked` holds the run's new or moved rows (source, source_record_id, registry_id);
    `previous` the rows it deleted, as they were. A deleted row written again is a move.
    """
    keys = ["source", "source_record_id"]
    old = pd.DataFrame(list(previous), columns=[*keys, "previous_registry_id"], dtype=object)
    new = linked[[*keys, "registry_id"]].astype(object)
    both = new.merge(old, on=keys, how="outer", sort=True)
    both["change"] = np.where(both["registry_id"].isna(), "removed",
                              np.where(both["previous_registry_id"].isna(), "linked", "moved"))
    unchanged = both["registry_id"].eq(both["previous_registry_id"]).fillna(False)
    columns = [*keys, "change", "registry_id", "previous_registry_id"]
    return both.loc[~unchanged.to_numpy(dtype=bool), columns].astype(object).where(
        lambda frame: frame.notna(), None).reset_index(drop=True)


class GoldenStore:
    """Golden records, registry ids, events and steward review in the registry database."""

    def __init__(self, store: RegistryStore | str | None = None) -> None:
        self.store = store if isinstance(store, RegistryStore) else RegistryStore(store)
        self.engine = self.store.engine

    # -- reading the state a run starts from ------------------------------------------------

    def previous_state(self) -> PreviousState:
        """Cross-reference and hashes of the active businesses, the next id sequence, and the
        records that left earlier with the retired id each had (so a returning record revives
        its id instead of getting a new one)."""
        key = (cross_reference.c.source + sa.literal(":")
               + cross_reference.c.source_record_id).label("record_key")
        active = sa.select(businesses.c.registry_id).where(businesses.c.status == "active")
        xref = sa.select(key, cross_reference.c.registry_id).where(
            cross_reference.c.registry_id.in_(active)).order_by(cross_reference.c.registry_id)
        rows = sa.select(businesses.c.registry_id, businesses.c.state_hash,
                         businesses.c.member_count, businesses.c.first_run_id).where(
            businesses.c.status == "active").order_by(businesses.c.registry_id)
        history = cross_reference_history
        removed = sa.select(
            (history.c.source + sa.literal(":") + history.c.source_record_id).label("record_key"),
            history.c.previous_registry_id.label("registry_id"), businesses.c.first_run_id,
            history.c.history_id,
        ).join(businesses, businesses.c.registry_id == history.c.previous_registry_id).where(
            history.c.change == "removed", businesses.c.status == "retired")
        moved = sa.select(
            (history.c.source + sa.literal(":") + history.c.source_record_id).label("record_key"),
            history.c.previous_registry_id.label("registry_id"), businesses.c.first_run_id,
            history.c.history_id, history.c.registry_id.label("into"),
        ).join(businesses, businesses.c.registry_id == history.c.previous_registry_id).where(
            history.c.change == "moved", businesses.c.status == "retired",
            businesses.c.retired_into == history.c.registry_id)
        with self.engine.connect() as connection:
            xref_frame = bulk.read_frame(connection, xref)
            business_frame = bulk.read_frame(connection, rows)
            departed = bulk.read_frame(connection, removed)
            absorbed = bulk.read_frame(connection, moved)
            last = connection.scalar(sa.select(sa.func.max(businesses.c.registry_id)))
        sequence = int(str(last)[4:12]) + 1 if last else 1
        # a record's last removal counts, unless it is linked to an active business again
        departed = departed.sort_values("history_id").drop_duplicates("record_key", keep="last")
        departed = departed[~member_of(departed["record_key"], xref_frame["record_key"])]
        # a merge's records count while they are still in the business they merged into
        current = xref_frame.set_index("record_key")["registry_id"]
        absorbed = absorbed.sort_values("history_id").drop_duplicates("record_key", keep="last")
        absorbed = absorbed[absorbed["record_key"].map(current).eq(absorbed["into"]).fillna(False)
                            .to_numpy(bool)]
        columns = ["record_key", "registry_id", "first_run_id"]
        return PreviousState(xref_frame, business_frame, sequence,
                             departed[columns].reset_index(drop=True),
                             absorbed[columns].reset_index(drop=True))

    def provenance(self, registry_ids: Sequence[str]) -> pd.DataFrame:
        """field_provenance rows of these businesses (all rows, read in bulk, when many)."""
        columns = [c.name for c in field_provenance.c]
        parts = []
        with self.engine.connect() as connection:
            if len(registry_ids) > BULK_READ_IDS:
                every = bulk.read_frame(connection, sa.select(field_provenance))
                return every[every["registry_id"].isin(list(registry_ids))].reset_index(
                    drop=True)
            for chunk in bulk.chunks(list(registry_ids)):
                statement = sa.select(field_provenance).where(
                    field_provenance.c.registry_id.in_(chunk))
                parts.append(pd.DataFrame(connection.execute(statement).all(), columns=columns))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)

    def steward_decisions(self) -> pd.DataFrame:
        """The whole append-only decision log, oldest first."""
        columns = [c.name for c in steward_decisions.c]
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(steward_decisions).order_by(steward_decisions.c.decision_id)).all()
        return pd.DataFrame(rows, columns=columns)

    # -- writing one run ---------------------------------------------------------------------

    def apply_run(self, run_id: str, changes: RunChanges) -> None:
        """Write one run's changes in one transaction (all or nothing)."""
        now = _now()
        with write_transaction(self.engine) as connection:
            status = connection.scalar(sa.select(runs.c.status).where(runs.c.run_id == run_id))
            if status != "running":
                raise StoreError(f"run {run_id} is {status or 'unknown'}, not running")
            replaced = list(changes.replaced_ids)
            for chunk in bulk.chunks(replaced):
                for table in (businesses, field_provenance, business_values):
                    connection.execute(table.delete().where(table.c.registry_id.in_(chunk)))
            bulk.insert_frame(connection, businesses, changes.businesses,
                              {"last_run_id": run_id})
            bulk.insert_frame(connection, field_provenance, changes.provenance,
                              {"run_id": run_id})
            bulk.insert_frame(connection, business_values, changes.values, {"run_id": run_id})
            for row in changes.retired.itertuples(index=False):  # few: merges and closures
                connection.execute(businesses.update().where(
                    businesses.c.registry_id == row.registry_id).values(
                    status="retired", retired_into=row.retired_into, last_run_id=run_id))
                if row.retired_into is not None:  # earlier merges follow on: one hop to active
                    connection.execute(businesses.update().where(
                        businesses.c.retired_into == row.registry_id).values(
                        retired_into=row.retired_into))
            # Per source, ids in chunks: SQLite plans a multi-row `(a, b) IN (...)` as a scan
            # of the whole table, but `source = ? AND source_record_id IN (...)` on the key.
            stale = changes.stale_records[["source", "source_record_id"]].astype(object)
            previous = []
            for source, ids in stale.groupby("source", sort=True)["source_record_id"]:
                for chunk in bulk.chunks(list(ids)):
                    where = sa.and_(cross_reference.c.source == source,
                                    cross_reference.c.source_record_id.in_(chunk))
                    previous.extend(connection.execute(sa.select(
                        cross_reference.c.source, cross_reference.c.source_record_id,
                        cross_reference.c.registry_id).where(where)).all())
                    connection.execute(cross_reference.delete().where(where))
            bulk.insert_frame(connection, cross_reference, changes.cross_reference,
                              {"run_id": run_id})
            bulk.insert_frame(connection, cross_reference_history,
                              xref_history(changes.cross_reference, previous), {"run_id": run_id})
            bulk.insert_frame(connection, events, changes.events, {"run_id": run_id, "at": now})
            bulk.insert_frame(connection, review_queue, with_pair_ids(changes.review_queue),
                              {"run_id": run_id})
            write_missing_profiles(connection, changes.evidence_profiles)
            bulk.insert_frame(connection, match_evidence, changes.match_evidence,
                              {"run_id": run_id})
            connection.execute(golden_runs.insert().values(
                run_id=run_id, published_at=now, summary=changes.summary))

    # -- steward decisions -------------------------------------------------------------------

    def record_decisions(self, pairs: Sequence[tuple[str, str]], judgement: str, steward: str,
                         reason: str, scope: str = "pair",
                         registry_id: str | None = None,
                         action_id: str | None = None) -> list[int]:
        """Append decisions (one per ordered pair) in one transaction; returns their ids.

        Each supersedes the pair's previous decision, which stays in the log. They share
        `action_id` (a new one by default), so that an undo takes them back together.
        """
        if judgement not in JUDGEMENTS:
            raise ValueError(f"judgement must be one of {', '.join(JUDGEMENTS)}, "
                             f"not {judgement!r}")
        if not steward.strip() or not reason.strip():
            raise ValueError("a decision needs the steward's name and a reason")
        pairs = list(pairs)
        if any(not left < right for left, right in pairs):
            raise ValueError("record keys must be ordered (left < right)")
        if len(set(pairs)) != len(pairs):
            raise ValueError("a pair is listed twice")
        now = _now()
        action_id = action_id or uuid.uuid4().hex
        table = steward_decisions
        key = sa.tuple_(table.c.record_key_l, table.c.record_key_r)
        ids: list[int] = []
        with write_transaction(self.engine) as connection:
            for chunk in bulk.chunks(pairs):  # an unmerge may judge thousands of pairs at once
                previous = dict(((left, right), latest) for left, right, latest in
                                connection.execute(sa.select(
                                    table.c.record_key_l, table.c.record_key_r,
                                    sa.func.max(table.c.decision_id)).where(key.in_(chunk))
                                    .group_by(table.c.record_key_l, table.c.record_key_r)))
                rows = [{"record_key_l": left, "record_key_r": right, "judgement": judgement,
                         "steward": steward.strip(), "reason": reason.strip(), "at": now,
                         "supersedes": previous.get((left, right)), "scope": scope,
                         "registry_id": registry_id, "action_id": action_id}
                        for left, right in chunk]
                inserted = connection.execute(
                    table.insert().returning(table.c.decision_id, sort_by_parameter_order=True),
                    rows)
                ids.extend(int(value) for value in inserted.scalars())
        return ids

    # -- queries for the review command and the demo -----------------------------------------

    def last_published_at(self) -> datetime | None:
        """When the latest golden run was written (steward decisions after it are new)."""
        with self.engine.connect() as connection:
            return connection.scalar(sa.select(sa.func.max(golden_runs.c.published_at)))

    def latest_golden_run(self) -> str | None:
        with self.engine.connect() as connection:
            return connection.scalar(sa.select(golden_runs.c.run_id).order_by(
                golden_runs.c.published_at.desc()).limit(1))

    def review_queue(self, run_id: str | None = None) -> pd.DataFrame:
        """The review pairs of a run, by priority; by default those of the latest published
        run, then those the real-time API found since (online intake runs)."""
        run_ids = [run_id] if run_id else [r for r in [self.latest_golden_run()] if r]
        if run_id is None:
            run_ids += IntakeStore(self.store).review_runs_since_publication()
        columns = [c.name for c in review_queue.c]
        if not run_ids:
            return pd.DataFrame(columns=columns)
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(review_queue).where(
                review_queue.c.run_id.in_(run_ids)).order_by(
                review_queue.c.run_id != run_ids[0], review_queue.c.priority)).all()
        return pd.DataFrame(rows, columns=columns)

    def review_pair(self, pair_id: str) -> dict[str, Any] | None:
        """A review pair by its stable id, as the latest run that queued it saw it."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(review_queue).join(
                runs, runs.c.run_id == review_queue.c.run_id).where(
                review_queue.c.pair_id == str(pair_id).strip().lower()).order_by(
                runs.c.started_at.desc()).limit(1)).first()
        return dict(row._mapping) if row else None

    def source_record(self, record_key: str) -> dict[str, Any] | None:
        """One current source record by its key (values may be personal: callers mask)."""
        from registry.schema import source_records

        source, _, record_id = record_key.partition(":")
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(source_records).where(
                source_records.c.source == source,
                source_records.c.source_record_id == record_id)).first()
        return dict(row._mapping) if row else None

    def business(self, registry_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(businesses).where(
                businesses.c.registry_id == registry_id)).first()
        return dict(row._mapping) if row else None

    def members(self, registry_id: str) -> list[str]:
        """Record keys currently cross-referenced to a business."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(
                cross_reference.c.source, cross_reference.c.source_record_id).where(
                cross_reference.c.registry_id == registry_id)).all()
        return sorted(f"{source}:{record_id}" for source, record_id in rows)

    def table(self, name: str, columns: Sequence[str] | None = None,
              **where: Any) -> pd.DataFrame:
        """Rows of one golden table (only `columns`, default all), filtered by column
        equality (for audits, tests, demos)."""
        tables = {t.name: t for t in (businesses, cross_reference, field_provenance,
                                      business_values, events, steward_decisions,
                                      review_queue, match_evidence, golden_runs)}
        # match_evidence is read with each pair's evidence, as if stored on the row
        chosen = match_evidence_rows().subquery() if name == "match_evidence" else tables[name]
        statement = sa.select(*(chosen.c[c] for c in columns)) if columns else sa.select(chosen)
        for column, value in where.items():
            statement = statement.where(chosen.c[column] == value)
        with self.engine.connect() as connection:
            if columns:  # the audits' big reads: Arrow-built columns, not rows
                return bulk.read_frame(connection, statement)
            rows = connection.execute(statement).all()
        return pd.DataFrame(rows, columns=[c.name for c in chosen.c])
