"""`trace`: where one source record went, run by run (read, quarantined, linked, moved...).

Per run that read the record's source or touched the record: the source batch's status, the
record's quarantine rows (reason, stage, open / resolved), its cross-reference changes
(cross_reference_history), the match evidence naming it (count and best match) and its
review-queue pairs; and the registry id it belongs to now. Reads by key only.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from registry.golden_schema import businesses, cross_reference, match_evidence, review_queue
from registry.lineage_common import (
    as_row,
    chunks,
    golden_run_ids,
    mask_record,
    names_are_personal,
    read_runs,
    read_source_records,
    record_key,
)
from registry.publication_schema import cross_reference_history
from registry.schema import quarantine, source_batches


def _quarantine_state(row: Any, latest_read: int | None) -> str:
    """open / resolved / superseded, as registry/queries.py derives them."""
    if row["resolved_run_id"] is not None:
        return "resolved"
    return "open" if row["batch_id"] == latest_read else "superseded"


def _naming(connection: sa.Connection, table: sa.Table, key: str,
            golden_ids: Sequence[str]) -> list[Any]:
    """Rows of match_evidence or review_queue naming the record on either side.

    The left side goes through the key (run_id, record_key_l, record_key_r); the right side
    needs an index on record_key_r to avoid a scan (see docs/lineage.md, "Speed").
    """
    rows: list[Any] = []
    for chunk in chunks(list(golden_ids)):
        rows += connection.execute(sa.select(table).where(
            table.c.run_id.in_(chunk), table.c.record_key_l == key)).mappings().all()
    rows += connection.execute(sa.select(table).where(
        table.c.record_key_r == key)).mappings().all()
    return rows


def trace(engine: sa.Engine, source: str, source_record_id: str,
          include_personal: bool = False) -> dict[str, Any] | None:
    """Where one source record went, run by run, or None if the registry never saw it."""
    key = record_key(source, source_record_id)
    xh, q, sb = cross_reference_history.c, quarantine.c, source_batches.c
    with engine.connect() as connection:
        current = connection.execute(sa.select(cross_reference).where(
            cross_reference.c.source == source,
            cross_reference.c.source_record_id == source_record_id)).mappings().first()
        record = read_source_records(connection, [(source, source_record_id)]).get(
            (source, source_record_id))
        history = connection.execute(sa.select(cross_reference_history).where(
            xh.source == source, xh.source_record_id == source_record_id).order_by(
            xh.history_id)).mappings().all()
        held = connection.execute(sa.select(*(c for c in quarantine.c if c.name != "raw_record"))
                                  .where(q.source == source, q.source_record_id ==
                                         source_record_id).order_by(
            q.quarantine_id)).mappings().all()
        if current is None and record is None and not history and not held:
            return None
        batches = connection.execute(sa.select(sb.run_id, sb.batch_id, sb.status, sb.message)
                                     .where(sb.source == source).order_by(
            sb.batch_id)).mappings().all()
        latest_read = max((b["batch_id"] for b in batches if b["status"] != "unchanged"),
                          default=None)
        golden_ids = golden_run_ids(connection)
        evidence = _naming(connection, match_evidence, key, golden_ids)
        queued = sorted(_naming(connection, review_queue, key, golden_ids),
                        key=lambda p: p["pair_id"])
        business = None
        if current is not None:
            business = connection.execute(sa.select(
                businesses.c.registry_id, businesses.c.status, businesses.c.retired_into,
                businesses.c.business_type, businesses.c.legal_form).where(
                businesses.c.registry_id == current["registry_id"])).mappings().first()
        run_rows = read_runs(connection, {*(b["run_id"] for b in batches),
                                      *(h["run_id"] for h in history),
                                      *(r["run_id"] for r in held), *golden_ids})
    steps = _trace_steps(run_rows, batches, history, held, latest_read, evidence, queued, key,
                         current, set(golden_ids))
    personal_names = names_are_personal(business, record)
    return {
        "source": source, "source_record_id": source_record_id, "record_key": key,
        "current": None if current is None else {
            "registry_id": current["registry_id"], "linked_run_id": current["run_id"],
            "status": business["status"] if business else None,
            "retired_into": business["retired_into"] if business else None},
        "record": None if record is None else mask_record(record, personal_names,
                                                           include_personal),
        "quarantine": [{**as_row(r), "state": _quarantine_state(r, latest_read)} for r in held],
        "runs": steps, "personal_masked": not include_personal,
        # linked before cross_reference_history was kept: the linking run is inferred
        "history_inferred": current is not None and not history,
    }


def _online(run: dict[str, Any]) -> str | None:
    """'online (<ministry>)' for a record registered through the real-time API."""
    summary = run.get("summary") or {}
    if isinstance(summary, dict) and summary.get("kind") == "online_intake":
        return f"online ({summary.get('ministry')})"
    return None


def _trace_steps(run_rows: list[dict[str, Any]], batches: Sequence[Any], history: Sequence[Any],
                 held: Sequence[Any], latest_read: int | None, evidence: Sequence[Any],
                 queued: Sequence[Any], key: str, current: Any,
                 golden: set[str]) -> list[dict[str, Any]]:
    """One entry per run that read the record's source or touched the record, oldest first."""
    batch_of = {b["run_id"]: b for b in batches}
    xref_of: dict[str, list[dict[str, Any]]] = {}
    for h in history:
        xref_of.setdefault(h["run_id"], []).append(
            as_row(h, ("change", "registry_id", "previous_registry_id")))
    held_of: dict[str, list[dict[str, Any]]] = {}
    for r in held:
        held_of.setdefault(r["run_id"], []).append({
            **as_row(r, ("quarantine_id", "stage", "column", "reason", "resolved_run_id")),
            "state": _quarantine_state(r, latest_read)})
    evidence_of: dict[str, list[Any]] = {}
    for e in evidence:
        evidence_of.setdefault(e["run_id"], []).append(e)
    queue_of: dict[str, list[dict[str, Any]]] = {}
    for p in queued:
        left = p["record_key_l"] == key
        queue_of.setdefault(p["run_id"], []).append({
            "pair_id": p["pair_id"], "other_record_key": p["record_key_r" if left else
                                                           "record_key_l"],
            "registry_id": p["registry_id_l" if left else "registry_id_r"],
            "other_registry_id": p["registry_id_r" if left else "registry_id_l"],
            "match_probability": p["match_probability"], "priority": p["priority"]})
    relevant = set(batch_of) | set(xref_of) | set(held_of) | set(evidence_of) | set(queue_of)
    registry_id = None
    inferred = current is not None and not history  # linked before history was kept
    steps = []
    for run in run_rows:
        run_id = run["run_id"]
        if run_id not in relevant:
            continue
        changes = xref_of.get(run_id, [])
        if inferred and run_id == current["run_id"]:
            changes = [{"change": "linked", "registry_id": current["registry_id"],
                        "previous_registry_id": None, "inferred": True}]
        for change in changes:
            registry_id = change["registry_id"]
        pairs = evidence_of.get(run_id, [])
        best = max(pairs, key=lambda e: e["match_probability"], default=None)
        batch = batch_of.get(run_id)
        steps.append({
            **{k: run[k] for k in ("run_id", "dagster_run_id", "started_at", "code_version")},
            "run_status": run["status"],
            "batch_status": batch["status"] if batch else _online(run),
            "batch_message": batch["message"] if batch else None,
            "published": run_id in golden,
            "quarantine": held_of.get(run_id, []), "cross_reference": changes,
            "registry_id": registry_id,
            "match_evidence": {"pairs": len(pairs), "best": None if best is None else {
                "other_record_key": best["record_key_r" if best["record_key_l"] == key
                                         else "record_key_l"],
                "decision": best["decision"], "rule": best["rule"],
                "match_probability": best["match_probability"],
                "match_weight": best["match_weight"]}},
            "review_queue": queue_of.get(run_id, []),
            "changed": bool(changes or held_of.get(run_id)),
        })
    return steps
