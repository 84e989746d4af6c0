"""One run of the golden registry: steward constraints, ids, golden records, events, review.

    changes = plan_golden_run(run_id, records, link_result, store.previous_state(),
                              store.steward_decisions(), store.provenance)   # a pure plan
    store.apply_run(run_id, changes)                                          # one transaction
or both at once: `publish_golden_records(GoldenStore(store), run_id, records, link_result)`.

The plan is DataFrames (canonical.golden.GoldenChanges) computed from the LinkResult and the
previous state, with no store in sight: matching/ never imports registry/. Only what changed
is written, so a re-run on unchanged input writes no business, no cross-reference row and no
event (only the run's own review queue, match evidence and summary).
"""

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from canonical.evidence_profiles import profiles_of
from canonical.golden import GOLDEN_COLUMNS, GoldenChanges
from matching.golden.keys import (
    codes_of,
    make_record_keys,
    positions,
    split_record_keys,
    text_hash,
    with_record_keys,
)
from matching.golden.registry_ids import EVENT_COLUMNS, EVENT_KINDS, assign_registry_ids
from matching.golden.settings import SurvivorshipSettings, load_survivorship
from matching.golden.steward import (
    DIFFERENT,
    SAME,
    apply_steward_constraints,
    evidence_sets,
    judgements_in_force,
    review_pairs,
)
from matching.golden.survivorship import survive
from matching.golden.values import VALUE_COLUMNS, multi_values

STANDARDISED_NEEDED = ("bn_root", "bn_valid", "bn_program_accounts", "phone_e164", "email_std",
                       "name_legal_form")


class LinkLike(Protocol):
    """What is used of matching.linker.LinkResult."""

    pairs: pd.DataFrame
    clusters: pd.DataFrame
    model: Any


def _row_hashes(frame: pd.DataFrame, value_hash: np.ndarray, record_hash: np.ndarray,
                labels: list[str]) -> np.ndarray:
    """Hash of each row: its value, its source record and its low-cardinality labels."""
    with np.errstate(over="ignore"):
        rows = value_hash * np.uint64(1099511628211) ^ record_hash[frame["_row"].to_numpy()]
        for column in labels:  # field / rule / kind / detail: few distinct values, cheap
            rows = rows * np.uint64(1099511628211) ^ text_hash(frame[column])
    return rows


def _sum_per_business(n: int, frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Order-independent combination (sum of 53-bit row hashes) per business `_cluster`."""
    out = np.zeros(n, np.int64)
    if frame.empty:
        return out
    sums = pd.Series((rows >> np.uint64(11)).astype(np.int64)).groupby(
        frame["_cluster"].to_numpy()).sum()
    out[sums.index.to_numpy()] = sums.to_numpy()
    return out


def _state_hashes(n: int, provenance: pd.DataFrame, values: pd.DataFrame,
                  record_hash: np.ndarray) -> np.ndarray:
    """One hex digest per business of its golden fields, provenance and multi-valued facts.

    The value texts of both frames are hashed in one pass over their distinct values, and a
    source record by its key once: the expensive text hashing is done once per distinct text.
    """
    both = text_hash(pd.concat([provenance["value"], values["value"]], ignore_index=True))
    prov_rows = _row_hashes(provenance, both[:len(provenance)], record_hash, ["field", "rule"])
    value_rows = _row_hashes(values, both[len(provenance):], record_hash, ["kind", "detail"])
    a = _sum_per_business(n, provenance, prov_rows) & 0xFFFFFFFFFFFFFFF
    b = _sum_per_business(n, values, value_rows) & 0xFFFFFFFFFFFFFFF
    return np.array([f"{x:016x}{y:016x}" for x, y in zip(a.tolist(), b.tolist(), strict=True)],
                    dtype=object)


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
    """Add only the standardised columns survivorship needs and the caller did not pass.

    Passing the frame given to `link_records` after `standardise_records` avoids this work.
    """
    missing = [c for c in STANDARDISED_NEEDED if c not in records.columns]
    if not missing:
        return records
    from matching import contacts, identifiers, names, standardise

    def column(name: str) -> pd.Series:
        return standardise._column(records, name)

    out = records.copy()
    if {"bn_root", "bn_valid", "bn_program_accounts"} & set(missing):
        ids = identifiers.standardise_business_numbers(column("business_number"),
                                                       column("program_accounts"))
        out["bn_root"], out["bn_valid"] = ids["bn_root"], ids["bn_valid"].astype("boolean")
        out["bn_program_accounts"] = ids["bn_program_accounts"]
    if "phone_e164" in missing:
        out["phone_e164"] = contacts.standardise_phones(column("phone")).astype("string")
    if "email_std" in missing:
        out["email_std"] = contacts.standardise_emails(column("email"))["email_std"]
    if "name_legal_form" in missing:
        form = names.standardise_names(column("legal_name"))["name_legal_form"]
        out["name_legal_form"] = form.fillna(
            standardise.legal_form_from_column(column("legal_form"))).astype("string")
    return out


def _lookup(keys: pd.Series, index: pd.Series, values: pd.Series) -> pd.Series:
    """values[position of each key in index] (<NA> where absent), by Arrow hashing."""
    at = positions(keys, index)
    if len(values) == 0:
        return pd.Series(pd.NA, index=range(len(keys)), dtype=values.dtype)
    out = values.reset_index(drop=True).iloc[np.maximum(at, 0)].reset_index(drop=True)
    return out.mask(at < 0)


def _match_evidence(pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The match and review pairs for the match_evidence table, each naming its evidence
    profile, and those profiles (profile_id, canonical JSON text)."""
    rows = pairs[pairs["decision"].isin(["match", "review"])].reset_index(drop=True)
    rule = rows["rule"].astype("string") if "rule" in rows.columns else pd.Series(
        pd.NA, index=rows.index, dtype="string")
    group, texts = evidence_sets(rows)
    ids, canonical = profiles_of(texts)
    evidence = pd.DataFrame({
        "record_key_l": rows["record_key_l"].astype("string"),
        "record_key_r": rows["record_key_r"].astype("string"),
        "decision": rows["decision"].astype("string"),
        "rule": rule.mask(rule == ""),
        "match_probability": rows["match_probability"].to_numpy(float),
        # null for pairs matched without a score (records identical on every field)
        "match_weight": pd.array(rows["match_weight"].to_numpy(float), dtype="Float64"),
        "profile_id": pd.Series(np.array(ids, dtype=object)[group] if len(group) else [],
                                dtype="string"),
    })
    profiles = pd.DataFrame({"profile_id": pd.Series(ids, dtype="string"),
                             "evidence": pd.Series(canonical, dtype="string")})
    return evidence, profiles.drop_duplicates("profile_id")


def awaiting_judgement(queue: pd.DataFrame, decisions: pd.DataFrame) -> np.ndarray:
    """Review pairs with no `same` or `different` judgement in force."""
    judged = judgements_in_force(decisions)
    decided = judged[judged["judgement"].isin([SAME, DIFFERENT])]
    if queue.empty or decided.empty:
        return np.ones(len(queue), bool)
    pair = pd.MultiIndex.from_frame(queue[["record_key_l", "record_key_r"]].astype(object))
    done = pd.MultiIndex.from_frame(decided[["record_key_l", "record_key_r"]].astype(object))
    return ~pair.isin(done)


class GoldenStoreLike(Protocol):
    """What a run reads from and writes to the golden registry (registry.golden_store
    .GoldenStore is one); matching/ never imports the store itself."""

    def previous_state(self) -> Any: ...  # noqa: ANN401 - registry.golden_store.PreviousState

    def steward_decisions(self) -> pd.DataFrame: ...

    def provenance(self, registry_ids: Sequence[str]) -> pd.DataFrame: ...

    def apply_run(self, run_id: str, changes: GoldenChanges) -> None: ...


def publish_golden_records(store: GoldenStoreLike, run_id: str, records: pd.DataFrame,
                           link: LinkLike,
                           settings: SurvivorshipSettings | None = None) -> dict[str, Any]:
    """Plan one run's golden registry from the store's state, and write it in one transaction.

    Returns the counts: businesses, records, events by kind, pairs, pending reviews, steward
    constraints applied.
    """
    changes = plan_golden_run(run_id, records, link, store.previous_state(),
                              store.steward_decisions(), store.provenance, settings)
    store.apply_run(run_id, changes)
    return changes.summary


def plan_golden_run(run_id: str, records: pd.DataFrame, link: LinkLike, state: Any,  # noqa: ANN401
                    decisions: pd.DataFrame,
                    provenance_of: Callable[[Sequence[str]], pd.DataFrame],
                    settings: SurvivorshipSettings | None = None) -> GoldenChanges:
    """What one run changes (ids, events, golden values, provenance, cross-reference, review
    queue), as DataFrames, from the previous state and this run's clusters: a pure plan.

    `records`: the canonical records that were linked (with or without `record_key` and the
    standardised columns); `link`: their LinkResult; `state`: the store's previous state
    (cross-reference and hashes of the active businesses, departed and absorbed records, next
    id sequence); `decisions`: the steward decision log; `provenance_of`: reads the stored
    provenance of the businesses whose values may have changed (for `updated` events).
    """
    settings = settings or load_survivorship()
    records = _ensure_standardised(with_record_keys(records))
    if not (records["record_key"].astype("string") == make_record_keys(records)).all():
        raise ValueError("record_key must be 'source:source_record_id' (see "
                         "matching.golden.keys.with_record_keys): steward decisions and the "
                         "cross-reference name records that way across runs")
    clusters, constraint_counts = apply_steward_constraints(link.clusters, link.pairs, decisions)
    clusters = clusters.reset_index(drop=True)
    keys = split_record_keys(clusters["record_key"])
    membership = clusters.assign(source=keys["source"].to_numpy(object),
                                 source_record_id=keys["source_record_id"].to_numpy(object))
    ids = assign_registry_ids(membership, state.cross_reference, state.next_sequence,
                              state.departed, state.absorbed)
    golden = survive(records, clusters, settings)
    split = settings.fields["operating_name"].split if "operating_name" in settings.fields \
        else None
    values = multi_values(records, clusters, split)
    id_of = functools.partial(_lookup, index=ids.cluster_ids["cluster_id"],
                              values=ids.cluster_ids["registry_id"])
    # golden, provenance and values number businesses as ids.cluster_ids does (sorted ids)
    if not golden.golden["cluster_id"].reset_index(drop=True).equals(
            ids.cluster_ids["cluster_id"].reset_index(drop=True)):
        raise AssertionError("golden records and registry ids disagree on the clusters")
    registry = ids.cluster_ids["registry_id"].reset_index(drop=True)
    provenance = golden.provenance.reset_index(drop=True)
    provenance["registry_id"] = registry.iloc[provenance["_cluster"].to_numpy()].reset_index(
        drop=True)
    values = values.reset_index(drop=True)
    values["registry_id"] = registry.iloc[values["_cluster"].to_numpy()].reset_index(drop=True)
    rows = golden.golden.reset_index(drop=True)
    rows["registry_id"] = registry
    codes, _ = codes_of(clusters["cluster_id"], sort=True)  # the same order as `rows`
    rows["member_count"] = np.bincount(codes, minlength=len(rows))
    record_hash = text_hash(records["record_key"])
    rows["state_hash"] = _state_hashes(len(rows), provenance, values, record_hash)
    # what changed against the previous state
    before = state.businesses
    previous_hash = _lookup(rows["registry_id"], before["registry_id"], before["state_hash"])
    previous_size = _lookup(rows["registry_id"], before["registry_id"],
                            before["member_count"].astype("Int64"))
    existing = previous_hash.notna().to_numpy(bool)
    unchanged = existing & (previous_hash.fillna("").to_numpy(object) == rows["state_hash"]
                            .to_numpy(object)) & (previous_size.fillna(-1).to_numpy(np.int64)
                                                  == rows["member_count"].to_numpy(np.int64))
    write = ~unchanged
    # a revived id's row is still there (retired): it is replaced like a changed business
    replaced = rows.loc[write & existing, "registry_id"].astype(str).tolist() + ids.revived
    known = pd.concat([before[["registry_id", "first_run_id"]],
                       state.departed[["registry_id", "first_run_id"]],
                       state.absorbed[["registry_id", "first_run_id"]]]).drop_duplicates(
        "registry_id")
    first_run = _lookup(rows["registry_id"], known["registry_id"],
                        known["first_run_id"].astype("string"))
    rows["first_run_id"] = first_run.fillna(run_id).to_numpy(object)
    old_prov = provenance_of(replaced) if replaced else pd.DataFrame(
        columns=["registry_id", "field", "value"])
    in_prov, in_values = provenance["_cluster"].to_numpy(), values["_cluster"].to_numpy()
    updated = _updated_events(old_prov, provenance[(write & existing)[in_prov]])
    business_rows = rows[write].assign(status="active", retired_into=None)
    columns = ["registry_id", "status", "retired_into",
               *[c for c in GOLDEN_COLUMNS if c in business_rows.columns],
               "member_count", "state_hash", "first_run_id"]
    # cross-reference: rows whose business changed, and records gone from the input
    xref = state.cross_reference
    now_id = id_of(membership["cluster_id"])
    before_id = _lookup(membership["record_key"], xref["record_key"], xref["registry_id"])
    moved = (before_id.fillna("").to_numpy(object) != now_id.to_numpy(object))
    xref_changed = membership[moved].assign(registry_id=now_id[moved].to_numpy(object))
    gone = xref[positions(xref["record_key"], membership["record_key"]) < 0]
    relinked = membership[moved & before_id.notna().to_numpy(bool)]
    stale = pd.concat([relinked[["source", "source_record_id"]],
                       split_record_keys(gone["record_key"])], ignore_index=True)
    record_ids = pd.Series(now_id.to_numpy(object), index=membership["record_key"].to_numpy())
    record_size = pd.Series(membership["cluster_size"].to_numpy(),
                            index=membership["record_key"].to_numpy())
    queue = review_pairs(link.pairs, record_ids, record_size, link.model.thresholds.auto_match)
    pending = awaiting_judgement(queue, decisions)
    all_events = pd.concat([ids.events, updated[EVENT_COLUMNS]], ignore_index=True)
    kinds = Counter(all_events["kind"])
    summary = {
        "businesses": int(len(rows)), "records": int(len(clusters)),
        "businesses_written": int(write.sum()),
        "events": {kind: int(kinds.get(kind, 0)) for kind in EVENT_KINDS},
        "match_pairs": int((link.pairs["decision"] == "match").sum()),
        "review_pairs": int(len(queue)), "pending_reviews": int(np.sum(pending)),
        "steward": constraint_counts,
    }
    return _changes(
        business_rows[columns], replaced, ids.retired, xref_changed,
        stale, provenance[write[in_prov]], values[write[in_values]], all_events, queue,
        *_match_evidence(link.pairs), summary)


def no_changes(summary: dict[str, Any]) -> GoldenChanges:
    """A run that writes no business, cross-reference row, event or evidence."""
    def empty(*columns: str) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})

    return _changes(
        empty("registry_id", "status", "retired_into", *GOLDEN_COLUMNS, "member_count",
              "state_hash", "first_run_id"), [], empty("registry_id", "retired_into"),
        empty("source", "source_record_id", "registry_id"), empty("source", "source_record_id"),
        empty("registry_id", "field", "value", "source", "source_record_id", "rule"),
        empty("registry_id", *VALUE_COLUMNS[1:]), empty(*EVENT_COLUMNS),
        empty("record_key_l", "record_key_r", "registry_id_l", "registry_id_r", "priority",
              "match_probability", "match_weight", "business_size", "evidence"),
        empty("record_key_l", "record_key_r", "decision", "rule", "match_probability",
              "match_weight", "profile_id"), empty("profile_id", "evidence"), summary)


def pair_summary(summary: dict[str, Any]) -> str:
    """The run's record-pair counts in words, the same wherever a run is reported."""
    return (f"record pairs: {summary.get('match_pairs', 0):,} matched, "
            f"{summary['review_pairs']:,} in the review band, "
            f"{summary['pending_reviews']:,} awaiting a steward")


def _changes(business_rows: pd.DataFrame, replaced: list[str], retired: pd.DataFrame,
             xref: pd.DataFrame, stale: pd.DataFrame, provenance: pd.DataFrame,
             values: pd.DataFrame, events: pd.DataFrame, queue: pd.DataFrame,
             evidence: pd.DataFrame, profiles: pd.DataFrame,
             summary: dict[str, Any]) -> GoldenChanges:
    return GoldenChanges(
        businesses=business_rows, replaced_ids=replaced, retired=retired,
        cross_reference=xref[["source", "source_record_id", "registry_id"]],
        stale_records=stale[["source", "source_record_id"]],
        provenance=provenance[["registry_id", "field", "value", "source", "source_record_id",
                               "rule"]],
        values=values[["registry_id", *VALUE_COLUMNS[1:]]],
        events=events[EVENT_COLUMNS],
        review_queue=queue[["record_key_l", "record_key_r", "registry_id_l", "registry_id_r",
                            "priority", "match_probability", "match_weight", "business_size",
                            "evidence"]],
        match_evidence=evidence, evidence_profiles=profiles, summary=summary)
