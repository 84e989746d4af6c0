"""Lineage for auditors: where a golden value came from (`explain`), where a record went (`trace`).

`explain` gathers what the registry knows about one business: golden values with the record
and rule behind each, multi-valued facts, member records, the match evidence that joined
them, steward decisions, events (its own and those of ids merged into it) and the runs that
produced it. `trace` (registry/lineage_trace.py) follows one source record run by run. Both
read by key through primary keys and indexes (a bounded number of statements, never a whole
table into memory) and return plain JSON-ready data that the command line renders.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from registry.golden_schema import (
    CANONICAL_COLUMN_OF,
    GOLDEN_COLUMNS,
    business_values,
    businesses,
    cross_reference,
    events,
    field_provenance,
    match_evidence,
    match_evidence_rows,
    steward_decisions,
)
from registry.lineage_common import (
    MASK,
    MAX_HOPS,
    NAME_VALUE_KINDS,
    PERSON_BUSINESS_TYPES,
    as_row,
    chunks,
    golden_run_ids,
    mask_record,
    mask_value,
    match_row,
    names_are_personal,
    plain,
    read_runs,
    read_source_records,
    record_key,
)
from registry.lineage_trace import trace

__all__ = ["explain", "trace"]


def _active_successor(connection: sa.Connection, business: Any) -> str | None:
    """The active business a retired one now lives in (following retired_into), or None."""
    current, seen = business, {business["registry_id"]}
    for _ in range(MAX_HOPS):
        if current["status"] == "active":
            return None if current is business else str(current["registry_id"])
        target = current["retired_into"]
        if target is None or target in seen:
            return None
        seen.add(target)
        current = connection.execute(sa.select(
            businesses.c.registry_id, businesses.c.status, businesses.c.retired_into).where(
            businesses.c.registry_id == target)).mappings().first()
        if current is None:
            return None
    return None


def _absorbed_ids(connection: sa.Connection, registry_id: str) -> list[str]:
    """Ids merged into this business, directly or through ids it absorbed (merged events)."""
    seen, frontier = {registry_id}, [registry_id]
    for _ in range(MAX_HOPS):
        if not frontier:
            break
        found = connection.scalars(sa.select(events.c.other_registry_id).where(
            events.c.registry_id.in_(frontier), events.c.kind == "merged",
            events.c.other_registry_id.is_not(None))).all()
        frontier = sorted(set(found) - seen)
        seen.update(frontier)
    return sorted(seen - {registry_id})


def _member_matches(connection: sa.Connection, keys: Sequence[str],
                    last_run_id: str | None) -> list[dict[str, Any]]:
    """Match evidence between member records: of the run that last wrote the business, else
    of the latest run holding that pair. Reads (run_id, record_key_l) through the primary key.
    """
    members = set(keys)
    order = {run: i for i, run in enumerate(golden_run_ids(connection))}
    if not members or not order:
        return []
    chosen: dict[tuple[str, str], str] = {}
    me = match_evidence.c
    for chunk in chunks(sorted(members)):
        found = connection.execute(sa.select(me.run_id, me.record_key_l, me.record_key_r).where(
            me.run_id.in_(list(order)), me.record_key_l.in_(chunk))).all()
        for run_id, left, right in found:
            if right not in members:
                continue
            pair = (left, right)
            held = chosen.get(pair)
            if held is None or (held != last_run_id and (
                    run_id == last_run_id or order[run_id] > order[held])):
                chosen[pair] = run_id
    by_run: dict[str, set[tuple[str, str]]] = {}
    for pair, run_id in chosen.items():
        by_run.setdefault(run_id, set()).add(pair)
    rows = []
    for run_id, pairs in sorted(by_run.items()):  # (run_id, record_key_l) through the key
        for chunk in chunks(sorted({left for left, _ in pairs})):
            rows += [r for r in connection.execute(match_evidence_rows().where(
                me.run_id == run_id, me.record_key_l.in_(chunk))).mappings()
                if (r["record_key_l"], r["record_key_r"]) in pairs]
    return sorted((match_row(r) for r in rows),
                  key=lambda m: (-m["match_probability"], m["record_key_l"], m["record_key_r"]))


def _decisions(connection: sa.Connection, keys: Sequence[str]) -> list[dict[str, Any]]:
    """Steward decisions naming any of these records, oldest first, superseded ones marked."""
    sd = steward_decisions.c
    found: dict[int, Any] = {}
    for chunk in chunks(sorted(set(keys))):
        for column in (sd.record_key_l, sd.record_key_r):
            for row in connection.execute(sa.select(steward_decisions).where(
                    column.in_(chunk))).mappings():
                found[row["decision_id"]] = row
    superseded_by = {r["supersedes"]: i for i, r in found.items() if r["supersedes"]}
    latest: dict[tuple[str, str], int] = {}
    for i, r in found.items():
        pair = (r["record_key_l"], r["record_key_r"])
        latest[pair] = max(latest.get(pair, i), i)
    out = []
    for i in sorted(found):
        row = as_row(found[i])
        row["superseded_by"] = superseded_by.get(i)
        row["in_force"] = latest[(row["record_key_l"], row["record_key_r"])] == i
        out.append(row)
    return out


def explain(engine: sa.Engine, registry_id: str,
            include_personal: bool = False) -> dict[str, Any] | None:
    """Everything behind one business, or None if the registry has no such id."""
    registry_id = registry_id.strip()
    with engine.connect() as connection:
        business = connection.execute(sa.select(businesses).where(
            businesses.c.registry_id == registry_id)).mappings().first()
        if business is None:
            return None
        successor = _active_successor(connection, business)
        xref = connection.execute(sa.select(cross_reference).where(
            cross_reference.c.registry_id == registry_id).order_by(
            cross_reference.c.source, cross_reference.c.source_record_id)).mappings().all()
        pairs = [(r["source"], r["source_record_id"]) for r in xref]
        records = read_source_records(connection, pairs)
        provenance = connection.execute(sa.select(field_provenance).where(
            field_provenance.c.registry_id == registry_id)).mappings().all()
        values = connection.execute(sa.select(business_values).where(
            business_values.c.registry_id == registry_id).order_by(
            business_values.c.kind, business_values.c.value_id)).mappings().all()
        keys = [record_key(*pair) for pair in pairs]
        matches = _member_matches(connection, keys, business["last_run_id"])
        decisions = _decisions(connection, keys)
        absorbed = _absorbed_ids(connection, registry_id)
        history = connection.execute(sa.select(events).where(
            events.c.registry_id.in_([registry_id, *absorbed])).order_by(
            events.c.event_id)).mappings().all()
        run_ids = {business["first_run_id"], business["last_run_id"],
                   *(r["run_id"] for r in provenance), *(m["run_id"] for m in matches),
                   *(e["run_id"] for e in history), *(r["run_id"] for r in xref)}
        run_rows = read_runs(connection, run_ids)

    personal_names = names_are_personal(business)
    hide = not include_personal

    def mask(value: Any, field: str) -> Any:
        return mask_value(value, field, personal_names, include_personal)

    order = {name: i for i, name in enumerate(GOLDEN_COLUMNS)}
    fields = []
    in_business = set(pairs)
    for row in sorted(provenance, key=lambda r: (order.get(r["field"], len(order)), r["field"])):
        record = records.get((row["source"], row["source_record_id"]))
        column = CANONICAL_COLUMN_OF.get(row["field"], row["field"])
        fields.append({
            "field": row["field"], "value": mask(row["value"], row["field"]),
            "source": row["source"], "source_record_id": row["source_record_id"],
            "rule": row["rule"], "run_id": row["run_id"],
            "member": (row["source"], row["source_record_id"]) in in_business,
            "source_value": mask(plain(record.get(column)), row["field"]) if record else None,
        })
    members = []
    for row in xref:
        pair = (row["source"], row["source_record_id"])
        record = records.get(pair, {})
        names_hidden = personal_names or record.get("business_type") in PERSON_BUSINESS_TYPES
        members.append({"source": pair[0], "source_record_id": pair[1],
                        "record_key": record_key(*pair), "linked_run_id": row["run_id"],
                        "record": mask_record(record, names_hidden, include_personal)})
    value_rows = [as_row(v, ("kind", "value", "detail", "source", "source_record_id", "run_id"))
                  for v in values]
    for v in value_rows:
        if hide and personal_names and v["kind"] in NAME_VALUE_KINDS:
            v["value"] = MASK
    golden = {name: mask(plain(business[name]), name) for name in GOLDEN_COLUMNS}
    by_id = {r["run_id"]: r for r in run_rows}
    return {
        "registry_id": registry_id, "status": business["status"],
        "retired_into": business["retired_into"], "active_successor": successor,
        "member_count": business["member_count"], "golden": golden,
        "first_run": by_id.get(business["first_run_id"]),
        "last_run": by_id.get(business["last_run_id"]),
        "fields": fields, "values": value_rows, "members": members, "matches": matches,
        "steward_decisions": decisions, "absorbed_ids": absorbed,
        "events": [as_row(e) for e in history], "runs": run_rows,
        "personal_masked": hide,
    }
