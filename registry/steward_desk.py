"""What a data steward can do to the registry, for the review page and `ubr review` alike.

Every action appends to the decision log (registry table `steward_decisions`) and applies from
the next run; nothing is edited in place. An action that judges several pairs at once (an
unmerge, a move, a link) shares one `action_id`, so that an undo takes back the whole action:
each of its decisions still in force is superseded by the judgement it had replaced (`unsure`
where there was none, which hands the pair back to the model and to the review queue).
Messages name pairs, records and ids, never a record's values.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from canonical.pair_ids import ordered_pair, unmerge_pairs
from registry.golden_schema import JUDGEMENTS, steward_decisions
from registry.golden_store import GoldenStore
from registry.schema import source_records

PENDING, DECIDED, EVERY = "pending", "decided", "all"
UNDO_SCOPE = "undo"
RECORD_FIELDS = (  # a source record's fields as a steward compares them, in this order
    "source", "source_record_id", "legal_name", "operating_name", "business_type", "legal_form",
    "business_number", "program_accounts", "status", "registration_date", "status_date",
    "address_type", "address_line", "city", "province", "postal_code", "phone", "email",
    "naics_code", "employee_band", "permit_number", "permit_type", "owner_name",
    "owner_address_line", "owner_city", "owner_postal_code",
)
BUSINESS_SUMMARY = ("legal_name", "operating_name", "city", "business_number", "status")


class StewardError(ValueError):
    """An action that cannot be taken as asked; the message says why and what to do."""


@dataclass(frozen=True)
class QueueFilter:
    """Which review pairs to show: a probability band, a source on either side, a status."""

    min_probability: float = 0.0
    max_probability: float = 1.0
    source: str | None = None
    status: str = PENDING


@dataclass(frozen=True)
class Outcome:
    """What an action recorded: its decisions and a sentence for the steward."""

    decision_ids: list[int]
    message: str


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value))


def side_by_side(left: dict[str, Any] | None, right: dict[str, Any] | None,
                 ) -> list[dict[str, Any]]:
    """The fields either record carries, each with both values and whether both carry it
    with different values (a field one record lacks is not a disagreement)."""
    left, right = left or {}, right or {}
    rows = []
    for name in RECORD_FIELDS:
        a, b = left.get(name), right.get(name)
        if _present(a) or _present(b):
            rows.append({"field": name, "left": a if _present(a) else None,
                         "right": b if _present(b) else None,
                         "differs": _present(a) and _present(b)
                         and str(a).strip().casefold() != str(b).strip().casefold()})
    return rows


def _source_of(record_key: pd.Series) -> pd.Series:
    return record_key.str.partition(":")[0]


class StewardDesk:
    """The review queue, one pair in full, and every decision a steward can take or undo."""

    def __init__(self, golden: GoldenStore) -> None:
        self.golden = golden

    # -- reading ------------------------------------------------------------------------------

    def decisions_in_force(self) -> pd.DataFrame:
        """The latest decision of each pair (the log keeps the ones it superseded)."""
        table = steward_decisions
        latest = sa.select(sa.func.max(table.c.decision_id)).group_by(
            table.c.record_key_l, table.c.record_key_r)
        with self.golden.engine.connect() as connection:
            rows = connection.execute(sa.select(table).where(
                table.c.decision_id.in_(latest.scalar_subquery()))).all()
        return pd.DataFrame(rows, columns=[c.name for c in table.c])

    def labels(self) -> pd.DataFrame:
        """The pairs a steward settled (same or different, in force) as labelled pairs for
        training: record_key_l, record_key_r, match."""
        settled = self.decisions_in_force()
        settled = settled[settled["judgement"].isin(["same", "different"])]
        return pd.DataFrame({"record_key_l": settled["record_key_l"].to_numpy(object),
                             "record_key_r": settled["record_key_r"].to_numpy(object),
                             "match": (settled["judgement"] == "same").to_numpy(bool)})

    def queue(self, wanted: QueueFilter = QueueFilter()) -> pd.DataFrame:
        """The latest review queue with the judgement in force on each pair, by priority."""
        queue = self.golden.review_queue()
        if queue.empty:
            return queue.assign(judgement=pd.Series(dtype=object),
                                steward=pd.Series(dtype=object))
        queue = queue.drop_duplicates("pair_id")  # a pair queued again online: the first
        decided = self.decisions_in_force()[["record_key_l", "record_key_r", "judgement",
                                              "steward"]]
        queue = queue.merge(decided, on=["record_key_l", "record_key_r"], how="left")
        settled = queue["judgement"].isin(["same", "different"])
        keep = queue["match_probability"].between(wanted.min_probability,
                                                  wanted.max_probability)
        if wanted.status == PENDING:
            keep &= ~settled
        elif wanted.status == DECIDED:
            keep &= settled
        if wanted.source:
            keep &= (_source_of(queue["record_key_l"]).eq(wanted.source)
                     | _source_of(queue["record_key_r"]).eq(wanted.source))
        return queue[keep].reset_index(drop=True)

    def names(self, record_keys: Sequence[str]) -> dict[str, str]:
        """Legal (else operating) name of each record, for the queue: read per source."""
        wanted: dict[str, list[str]] = {}
        for key in set(record_keys):
            source, _, record_id = key.partition(":")
            wanted.setdefault(source, []).append(record_id)
        found: dict[str, str] = {}
        table = source_records
        with self.golden.engine.connect() as connection:
            for source, ids in wanted.items():
                rows = connection.execute(sa.select(
                    table.c.source_record_id, table.c.legal_name, table.c.operating_name).where(
                    table.c.source == source, table.c.source_record_id.in_(ids))).all()
                found.update({f"{source}:{rid}": legal or operating or ""
                              for rid, legal, operating in rows})
        return found

    def sources(self) -> list[str]:
        """The sources that appear in the review queue, for the page's filter."""
        queue = self.golden.review_queue()
        return sorted(set(_source_of(queue["record_key_l"])) | set(
            _source_of(queue["record_key_r"]))) if len(queue) else []

    def pair(self, wanted_id: str) -> dict[str, Any]:
        """One review pair: its row, both records, the business each belongs to, its log."""
        pair = self.golden.review_pair(wanted_id)
        if pair is None:
            raise StewardError(f"no review pair {wanted_id}: the queue lists the pairs")
        left, right = pair["record_key_l"], pair["record_key_r"]
        log = self.golden.table("steward_decisions", record_key_l=min(left, right),
                                record_key_r=max(left, right)).sort_values("decision_id")
        return {**pair, "record_l": self.golden.source_record(left),
                "record_r": self.golden.source_record(right),
                "business_l": self.business_of(left), "business_r": self.business_of(right),
                "decisions": log.to_dict("records")}

    def business_of(self, record_key: str) -> dict[str, Any] | None:
        """The business a record is in now: id, a few golden values, its member records."""
        source, _, record_id = record_key.partition(":")
        found = self.golden.table("cross_reference", ["registry_id"], source=source,
                                  source_record_id=record_id)
        if found.empty:
            return None
        return self.business(str(found["registry_id"].iloc[0]))

    def business(self, registry_id: str) -> dict[str, Any] | None:
        row = self.golden.business(registry_id)
        if row is None:
            return None
        return {"registry_id": registry_id, "members": self.golden.members(registry_id),
                **{name: row.get(name) for name in BUSINESS_SUMMARY}}

    def log(self, limit: int = 200) -> pd.DataFrame:
        """The latest decisions, one row per action (an unmerge counts once), newest first."""
        every = self.golden.steward_decisions()
        if every.empty:
            return every.assign(pairs=pd.Series(dtype=int), in_force=pd.Series(dtype=int))
        in_force = set(self.decisions_in_force()["decision_id"])
        every["action"] = every["action_id"].fillna("#" + every["decision_id"].astype(str))
        every["in_force"] = every["decision_id"].isin(in_force)
        actions = every.groupby("action", sort=False).agg(
            decision_id=("decision_id", "min"), pairs=("decision_id", "size"),
            in_force=("in_force", "sum"), judgement=("judgement", "first"),
            scope=("scope", "first"), steward=("steward", "first"), reason=("reason", "first"),
            at=("at", "first"), registry_id=("registry_id", "first"),
            record_key_l=("record_key_l", "first"), record_key_r=("record_key_r", "first"))
        return actions.sort_values("decision_id", ascending=False).head(limit).reset_index(
            drop=True)

    # -- deciding -----------------------------------------------------------------------------

    def decide(self, wanted_id: str, judgement: str, steward: str, reason: str) -> Outcome:
        """Same, different or unsure on one review pair."""
        if judgement not in JUDGEMENTS:
            raise StewardError(f"a judgement is one of {', '.join(JUDGEMENTS)}")
        pair = self.golden.review_pair(wanted_id)
        if pair is None:
            raise StewardError(f"no review pair {wanted_id}: the queue lists the pairs")
        ids = self._record([ordered_pair(pair["record_key_l"], pair["record_key_r"])],
                           judgement, steward, reason)
        return Outcome(ids, f"Decision #{ids[0]}: pair {pair['pair_id']} is {judgement}. "
                            "It applies from the next run.")

    def unmerge(self, registry_id: str, steward: str, reason: str) -> Outcome:
        """Split a business into its records: `different` between every two of them."""
        members = self._active_members(registry_id)
        if len(members) < 2:
            raise StewardError(f"{registry_id} has {len(members)} source record(s): "
                               "nothing to unmerge")
        ids = self._record(unmerge_pairs(members), "different", steward, reason,
                           scope="unmerge", registry_id=registry_id)
        return Outcome(ids, f"Unmerge of {registry_id}: {len(ids)} 'different' decisions over "
                            f"{len(members)} records (decision #{ids[0]}). From the next run "
                            "each record stands alone; undo it from the decision log.")

    def link(self, record_key: str, registry_id: str, steward: str, reason: str) -> Outcome:
        """Join a record (and the business it is in) to a business: `same` with its records."""
        members = self._target_members(record_key, registry_id)
        pairs = [ordered_pair(record_key, other) for other in members]
        ids = self._record(pairs, "same", steward, reason, scope="link",
                           registry_id=registry_id)
        return Outcome(ids, f"Link of {record_key} to {registry_id} (decision #{ids[0]}): "
                            "its business joins it from the next run.")

    def move(self, record_key: str, registry_id: str, steward: str, reason: str) -> Outcome:
        """Move one record to another business: `different` from the records it is with now,
        `same` with those of the business it belongs to."""
        members = self._target_members(record_key, registry_id)
        others = [k for k in self.business_of(record_key)["members"] if k != record_key]
        pairs = [ordered_pair(record_key, k) for k in others]
        ids = self._record(pairs, "different", steward, reason, scope="move",
                           registry_id=registry_id, also=(
                               [ordered_pair(record_key, k) for k in members], "same"))
        return Outcome(ids, f"Move of {record_key} to {registry_id} (decision #{ids[0]}): "
                            f"apart from {len(others)} record(s) of its business, with "
                            f"{len(members)} of {registry_id}, from the next run.")

    def undo(self, decision_id: int, steward: str, reason: str) -> Outcome:
        """Take back an earlier action: each of its decisions still in force is superseded by
        the judgement it replaced (`unsure`, the model's say, where it replaced none)."""
        every = self.golden.steward_decisions()
        chosen = every[every["decision_id"] == int(decision_id)]
        if chosen.empty:
            raise StewardError(f"no decision #{decision_id}: the decision log lists them")
        action = chosen["action_id"].iloc[0]
        taken = every[every["action_id"] == action] if isinstance(action, str) else chosen
        in_force = set(self.decisions_in_force()["decision_id"])
        live = taken[taken["decision_id"].isin(in_force)]
        if live.empty:
            raise StewardError(f"decision #{decision_id} was already superseded on every pair "
                               "it judged; undo the later decision instead")
        before = every.set_index("decision_id")["judgement"]
        restored: dict[str, list[tuple[str, str]]] = {}
        for row in live.itertuples():
            earlier = row.supersedes
            judgement = before.get(int(earlier), "unsure") if pd.notna(earlier) else "unsure"
            restored.setdefault(judgement, []).append((row.record_key_l, row.record_key_r))
        text = f"undo of #{decision_id}: {reason.strip()}" if reason.strip() else ""
        ids: list[int] = []
        action_id = uuid.uuid4().hex  # one undo, whatever judgements it restores
        registry_id = taken["registry_id"].iloc[0]
        for judgement, pairs in sorted(restored.items()):
            ids += self._record(pairs, judgement, steward, text, UNDO_SCOPE,
                                None if pd.isna(registry_id) else registry_id, action_id)
        skipped = len(taken) - len(live)
        return Outcome(ids, f"Undo of decision #{decision_id}: {len(live)} pair(s) back as "
                            "they were" + (f"; {skipped} judged again since, left alone"
                                           if skipped else "") + ". It applies from the next run.")

    # -- helpers ------------------------------------------------------------------------------

    def _record(self, pairs: Sequence[tuple[str, str]], judgement: str, steward: str,
                reason: str, scope: str = "pair", registry_id: str | None = None,
                action_id: str | None = None,
                also: tuple[Sequence[tuple[str, str]], str] | None = None) -> list[int]:
        """Append one action's decisions (and `also`'s, same action) to the log."""
        action_id = action_id or uuid.uuid4().hex
        try:
            ids = self.golden.record_decisions(pairs, judgement, steward, reason, scope,
                                               registry_id, action_id) if pairs else []
            if also and also[0]:
                ids += self.golden.record_decisions(also[0], also[1], steward, reason, scope,
                                                    registry_id, action_id)
        except ValueError as exc:
            raise StewardError(str(exc)) from None
        if not ids:
            raise StewardError("nothing to decide: no pair of records to judge")
        return ids

    def _active_members(self, registry_id: str) -> list[str]:
        row = self.golden.business(registry_id)
        if row is None:
            raise StewardError(f"no business {registry_id}")
        if row["status"] != "active":
            raise StewardError(f"{registry_id} is {row['status']}; choose an active business")
        return self.golden.members(registry_id)

    def _target_members(self, record_key: str, registry_id: str) -> list[str]:
        """The records of the business `record_key` goes to (not its own business)."""
        current = self.business_of(record_key)
        if current is None:
            raise StewardError(f"no record {record_key} in the registry: a record key is "
                               "source:source_record_id, as the pair page shows it")
        if current["registry_id"] == registry_id:
            raise StewardError(f"{record_key} is already in {registry_id}")
        return self._active_members(registry_id)
