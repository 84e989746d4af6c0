"""One run of the golden registry: steward constraints, ids, golden records, events, review.

    summary = publish_golden_records(GoldenStore(store), run_id, records, link_result)

Pure domain steps (matching/golden) turn the LinkResult and the previous state into the
changes of this run; `GoldenStore.apply_run` writes them in one transaction. Only what changed
is written, so a re-run on unchanged input writes no business, no cross-reference row and no
event (only the run's own review queue, match evidence and summary).
"""

from collections import Counter
from typing import Any, Protocol

import numpy as np
import pandas as pd

from matching.golden.keys import split_record_keys, with_record_keys
from matching.golden.registry_ids import EVENT_COLUMNS, EVENT_KINDS, assign_registry_ids
from matching.golden.settings import SurvivorshipSettings, load_survivorship
from matching.golden.steward import (
    DIFFERENT,
    SAME,
    apply_steward_constraints,
    evidence_json,
    judgements_in_force,
    review_pairs,
)
from matching.golden.survivorship import survive
from matching.golden.values import VALUE_COLUMNS, multi_values
from registry.golden_schema import GOLDEN_COLUMNS
from registry.golden_store import GoldenStore, RunChanges

STANDARDISED_NEEDED = ("bn_root", "bn_valid", "phone_e164", "email_std", "name_legal_form")


class LinkLike(Protocol):
    """What is used of matching.linker.LinkResult."""

    pairs: pd.DataFrame
    clusters: pd.DataFrame
    model: Any


def _hash_per_business(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Order-independent hash of a business's rows (sum of 53-bit row hashes)."""
    if frame.empty:
        return pd.Series(dtype=np.int64)
    rows = pd.util.hash_pandas_object(frame[columns].astype("string"), index=False)
    return (pd.Series((rows.to_numpy() >> np.uint64(11)).astype(np.int64), index=frame.index)
            .groupby(frame["registry_id"].to_numpy()).sum())


def _state_hashes(ids: pd.Index, provenance: pd.DataFrame, values: pd.DataFrame) -> pd.Series:
    a = _hash_per_business(provenance, ["field", "value", "source", "source_record_id", "rule"])
    b = _hash_per_business(values, ["kind", "value", "detail", "source", "source_record_id"])
    a = a.reindex(ids, fill_value=0).to_numpy() & 0xFFFFFFFFFFFFFFF
    b = b.reindex(ids, fill_value=0).to_numpy() & 0xFFFFFFFFFFFFFFF
    return pd.Series([f"{x:016x}{y:016x}" for x, y in zip(a, b, strict=True)], index=ids)


def _updated_events(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One `updated` event per golden field whose value changed (no values in the reason)."""
    both = old[["registry_id", "field", "value"]].merge(
        new[["registry_id", "field", "value", "source", "source_record_id"]],
        on=["registry_id", "field"], how="outer", suffixes=("_old", ""))
    changed = both[both["value_old"].fillna("\x00") != both["value"].fillna("\x00")]
    return pd.DataFrame({
        "registry_id": changed["registry_id"].to_numpy(object), "kind": "updated",
        "other_registry_id": None, "source": changed["source"].to_numpy(object),
        "source_record_id": changed["source_record_id"].to_numpy(object),
        "reason": ("golden field " + changed["field"].astype(str)
                   + np.where(changed["value"].isna(), " cleared", " changed")).to_numpy(object),
    })


def _ensure_standardised(records: pd.DataFrame) -> pd.DataFrame:
    if all(c in records.columns for c in STANDARDISED_NEEDED):
        return records
    from matching.standardise import standardise_records

    return standardise_records(records)


def publish_golden_records(store: GoldenStore, run_id: str, records: pd.DataFrame, link: LinkLike,
                           settings: SurvivorshipSettings | None = None) -> dict[str, Any]:
    """Build and persist golden records, ids, events and the review queue for one run.

    `store`: a registry.golden_store.GoldenStore; `records`: the canonical records that were
    linked (with or without `record_key` and standardised columns). Returns the counts:
    businesses, records, events by kind, review pairs, pending reviews, steward constraints.
    """
    settings = settings or load_survivorship()
    records = _ensure_standardised(with_record_keys(records))
    decisions = store.steward_decisions()
    clusters, constraint_counts = apply_steward_constraints(link.clusters, link.pairs, decisions)
    keys = split_record_keys(clusters["record_key"])
    membership = clusters.assign(source=keys["source"], source_record_id=keys["source_record_id"])
    state = store.previous_state()
    ids = assign_registry_ids(membership, state.cross_reference, state.next_sequence)
    cluster_to_id = ids.cluster_ids.set_index("cluster_id")["registry_id"]
    golden = survive(records, clusters, settings)
    split = settings.fields["operating_name"].split if "operating_name" in settings.fields \
        else None
    values = multi_values(records, clusters, split)
    provenance = golden.provenance.assign(
        registry_id=cluster_to_id.reindex(golden.provenance["cluster_id"]).to_numpy(object))
    values = values.assign(registry_id=cluster_to_id.reindex(values["cluster_id"]).to_numpy(object))
    rows = golden.golden.assign(
        registry_id=cluster_to_id.reindex(golden.golden["cluster_id"]).to_numpy(object))
    size = clusters.groupby("cluster_id")["record_key"].size()
    rows["member_count"] = size.reindex(rows["cluster_id"]).to_numpy(np.int64)
    rows = rows.set_index("registry_id")
    rows["state_hash"] = _state_hashes(rows.index, provenance, values)
    # what changed against the previous state
    before = state.businesses.set_index("registry_id")
    existing = rows.index.isin(before.index)
    same_hash = existing & (rows["state_hash"].to_numpy(object) == before["state_hash"].reindex(
        rows.index).to_numpy(object))
    same_size = rows["member_count"].to_numpy() == before["member_count"].reindex(
        rows.index).to_numpy(dtype=float, na_value=np.nan)
    write = ~(same_hash & same_size)
    replaced = rows.index[write & existing].tolist()
    rows["first_run_id"] = before["first_run_id"].reindex(rows.index).fillna(run_id).to_numpy(
        object)
    old_prov = store.provenance(replaced) if replaced else pd.DataFrame(
        columns=["registry_id", "field", "value"])
    new_prov_changed = provenance[provenance["registry_id"].isin(replaced)]
    updated = _updated_events(old_prov, new_prov_changed)
    business_rows = rows[write].reset_index()
    business_rows = business_rows.assign(status="active", retired_into=None)
    columns = ["registry_id", "status", "retired_into",
               *[c for c in GOLDEN_COLUMNS if c in business_rows.columns],
               "member_count", "state_hash", "first_run_id"]
    written = set(business_rows["registry_id"])
    xref_now = membership.assign(registry_id=cluster_to_id.reindex(
        membership["cluster_id"]).to_numpy(object))
    previous_id = state.cross_reference.set_index("record_key")["registry_id"].reindex(
        xref_now["record_key"]).to_numpy(object)
    xref_changed = xref_now[xref_now["registry_id"].to_numpy(object) != previous_id]
    gone = state.cross_reference[~state.cross_reference["record_key"].isin(
        membership["record_key"])]
    judged = judgements_in_force(decisions)
    decided = judged[judged["judgement"].isin([SAME, DIFFERENT])]
    record_ids = xref_now.set_index("record_key")["registry_id"]
    record_size = xref_now.set_index("record_key")["cluster_size"]
    thresholds = link.model.thresholds
    queue = review_pairs(link.pairs, record_ids, record_size, thresholds.auto_match)
    pending = ~pd.MultiIndex.from_frame(queue[["record_key_l", "record_key_r"]]).isin(
        pd.MultiIndex.from_frame(decided[["record_key_l", "record_key_r"]])) \
        if len(queue) and len(decided) else np.ones(len(queue), bool)
    evidence_rows = link.pairs[link.pairs["decision"].isin(["match", "review"])]
    evidence = pd.DataFrame({
        "record_key_l": evidence_rows["record_key_l"].to_numpy(object),
        "record_key_r": evidence_rows["record_key_r"].to_numpy(object),
        "decision": evidence_rows["decision"].to_numpy(object),
        "rule": evidence_rows["rule"].where(evidence_rows["rule"] != "", None).to_numpy(object)
        if "rule" in evidence_rows.columns else None,
        "match_probability": evidence_rows["match_probability"].to_numpy(float),
        "match_weight": evidence_rows["match_weight"].to_numpy(float),
        "evidence": evidence_json(evidence_rows),
    })
    all_events = pd.concat([ids.events, updated[EVENT_COLUMNS]], ignore_index=True)
    kinds = Counter(all_events["kind"])
    summary = {
        "businesses": int(len(rows)), "records": int(len(clusters)),
        "businesses_written": int(write.sum()),
        "events": {kind: int(kinds.get(kind, 0)) for kind in EVENT_KINDS},
        "review_pairs": int(len(queue)), "pending_reviews": int(np.sum(pending)),
        "steward": constraint_counts,
    }
    gone_keys = split_record_keys(gone["record_key"])
    store.apply_run(run_id, _changes(
        business_rows[columns], replaced, ids.retired, xref_changed, gone_keys,
        provenance[provenance["registry_id"].isin(written)],
        values[values["registry_id"].isin(written)], all_events, queue, evidence, summary))
    return summary


def _changes(business_rows: pd.DataFrame, replaced: list[str], retired: pd.DataFrame,
             xref: pd.DataFrame, gone: pd.DataFrame, provenance: pd.DataFrame,
             values: pd.DataFrame, events: pd.DataFrame, queue: pd.DataFrame,
             evidence: pd.DataFrame, summary: dict[str, Any]) -> RunChanges:
    return RunChanges(
        businesses=business_rows, replaced_ids=replaced, retired=retired,
        cross_reference=xref[["source", "source_record_id", "registry_id"]],
        removed_records=gone[["source", "source_record_id"]],
        provenance=provenance[["registry_id", "field", "value", "source", "source_record_id",
                               "rule"]],
        values=values[["registry_id", *VALUE_COLUMNS[1:]]],
        events=events[EVENT_COLUMNS],
        review_queue=queue[["record_key_l", "record_key_r", "registry_id_l", "registry_id_r",
                            "priority", "match_probability", "match_weight", "business_size",
                            "evidence"]],
        match_evidence=evidence, summary=summary)
