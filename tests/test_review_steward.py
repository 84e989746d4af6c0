"""Steward review: decisions force and forbid links on the next run, supersede, and unmerge."""

import pandas as pd
import pytest
from test_golden_helpers import bakery, canonical, fake_link, ids_by_record, pair_rows, publish

from canonical.pair_ids import ordered_pair, unmerge_pairs
from matching.golden.steward import (
    MASK,
    apply_steward_constraints,
    judgements_in_force,
    mask_personal,
)


def log(*rows: tuple[int, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"decision_id": i, "record_key_l": min(a, b), "record_key_r": max(a, b),
                          "judgement": j, "steward": "ana", "reason": "checked",
                          "at": pd.Timestamp("2026-11-22", tz="UTC")} for i, a, b, j in rows])


# -- pure constraint logic ----------------------------------------------------------------


def clusters_of(groups: list[list[str]]) -> pd.DataFrame:
    rows = [(key, min(group)) for group in groups for key in group]
    frame = pd.DataFrame(rows, columns=["record_key", "cluster_id"])
    frame["cluster_size"] = frame.groupby("cluster_id")["record_key"].transform("size")
    return frame


def test_same_merges_clusters_and_different_splits_one():
    clusters = clusters_of([["a", "b", "c"], ["d"], ["e"]])
    pairs = pair_rows([("a", "b", 0.99, "match"), ("b", "c", 0.97, "match")])
    out, counts = apply_steward_constraints(clusters, pairs, log((1, "d", "e", "same"),
                                                                 (2, "a", "c", "different")))
    label = out.set_index("record_key")["cluster_id"]
    assert label["d"] == label["e"]
    assert label["a"] != label["c"]
    assert label["b"] == label["a"]  # b-a is the stronger edge, so b stays with a
    assert counts["clusters_merged"] == 1 and counts["clusters_split"] == 1
    assert out.set_index("record_key")["cluster_size"].to_dict() == {
        "a": 2, "b": 2, "c": 1, "d": 2, "e": 2}


def test_latest_decision_is_in_force_and_different_beats_a_chain_of_sames():
    decisions = log((1, "a", "b", "different"), (2, "a", "b", "same"), (3, "b", "c", "same"),
                    (4, "a", "c", "different"))
    force = judgements_in_force(decisions).set_index(["record_key_l", "record_key_r"])
    assert force.loc[("a", "b"), "judgement"] == "same"
    assert len(decisions) == 4  # nothing erased
    out, _ = apply_steward_constraints(clusters_of([["a"], ["b"], ["c"]]), pair_rows([]),
                                       decisions)
    label = out.set_index("record_key")["cluster_id"]
    assert label["a"] == label["b"] and label["c"] != label["a"]


def test_no_decisions_leave_clusters_untouched():
    clusters = clusters_of([["a", "b"], ["c"]])
    out, counts = apply_steward_constraints(clusters, pair_rows([]), log())
    assert out is clusters and counts["must_link"] == 0


def test_helpers_order_pairs_mask_personal_fields_and_list_unmerge_pairs():
    assert ordered_pair("wcb:2", "rjsc:1") == ("rjsc:1", "wcb:2")
    with pytest.raises(ValueError):
        ordered_pair("x", "x")
    record = {"legal_name": "Côté Bakery", "owner_name": "Zoë Côté", "owner_city": None}
    assert mask_personal(record, "analyst") == {"legal_name": "Côté Bakery",
                                                "owner_name": MASK, "owner_city": None}
    assert mask_personal(record, "steward") == record
    assert unmerge_pairs(["b", "a", "c"]) == [("a", "b"), ("a", "c"), ("b", "c")]


# -- decisions that hold on the next run (SQLite and PostgreSQL) ---------------------------


def two_bakeries():
    records = canonical(bakery(1) + bakery(2))
    k = list(records["record_key"])
    return records, k


def test_review_queue_is_persisted_in_priority_order(golden):
    records, k = two_bakeries()
    link = fake_link(records, [k[0:4], k[4:8]],
                     review=[(k[0], k[4], 0.6), (k[1], k[5], 0.78), (k[3], k[7], 0.75)])
    unordered = link.pairs["decision"] == "review"  # the linker does not order the keys
    link.pairs.loc[unordered, ["record_key_l", "record_key_r"]] = link.pairs.loc[
        unordered, ["record_key_r", "record_key_l"]].to_numpy()
    link.pairs["decision"] = link.pairs["decision"].astype("category")
    run_id, summary = publish(golden, records, link)
    assert summary["review_pairs"] == 3 and summary["pending_reviews"] == 3
    queue = golden.review_queue()
    assert (queue["run_id"] == run_id).all()
    # nearest the auto-match threshold (0.8) first
    assert queue["match_probability"].tolist() == [0.78, 0.75, 0.6]
    assert queue["priority"].tolist() == [1, 2, 3]
    assert queue["evidence"].iloc[0]["name_level"] == "jw_0.95"
    assert set(queue["registry_id_l"]) | set(queue["registry_id_r"]) == set(
        golden.table("businesses")["registry_id"])
    assert (queue["record_key_l"] < queue["record_key_r"]).all()
    evidence = golden.table("match_evidence", run_id=run_id)
    assert set(evidence["decision"]) == {"match", "review"} and len(evidence) == 9


def test_same_decision_forces_the_link_on_the_next_run(golden):
    records, k = two_bakeries()
    link = fake_link(records, [k[0:4], k[4:8]], review=[(k[0], k[4], 0.8)])
    publish(golden, records, link)
    before = ids_by_record(golden)
    older = min(before[k[0]], before[k[4]])
    pair = golden.review_queue().iloc[0]
    golden.record_decisions([(pair.record_key_l, pair.record_key_r)], "same", "ana",
                            "same owner, same BN on paper")
    run2, summary = publish(golden, records, link)  # the model still says: two businesses
    after = ids_by_record(golden)
    assert len(set(after.values())) == 1 and set(after.values()) == {older}
    assert summary["steward"]["clusters_merged"] == 1 and summary["pending_reviews"] == 0
    assert summary["events"]["merged"] == 1
    run3, summary3 = publish(golden, records, link)
    assert sum(summary3["events"].values()) == 0  # the decision holds, nothing changes


def test_different_decision_forbids_the_link_and_splits_the_business(golden):
    records, k = two_bakeries()
    merged_link = fake_link(records, [k[0:8]])  # the model wrongly merged both bakeries
    publish(golden, records, merged_link)
    (only,) = set(ids_by_record(golden).values())
    golden.record_decisions([ordered_pair(k[3], k[4])], "different", "ana", "two bakeries")
    golden.record_decisions([ordered_pair(k[0], k[4])], "different", "ana", "two bakeries")
    golden.record_decisions([ordered_pair(k[0], k[7])], "different", "ana", "two bakeries")
    run2, summary = publish(golden, records, merged_link)
    after = ids_by_record(golden)
    assert after[k[0]] != after[k[4]]
    assert only in after.values() and summary["events"]["split"] >= 1
    assert summary["steward"]["clusters_split"] == 1
    # a later 'same' supersedes the 'different' decisions: the link comes back
    pairs = [ordered_pair(k[3], k[4]), ordered_pair(k[0], k[4]), ordered_pair(k[0], k[7])]
    golden.record_decisions(pairs, "same", "bo", "checked again: one bakery")
    publish(golden, records, merged_link)
    assert set(ids_by_record(golden).values()) == {only}
    history = golden.steward_decisions()
    assert len(history) == 6
    assert history["supersedes"].notna().sum() == 3


def test_unmerge_splits_a_business_back_into_its_records(golden):
    records, k = two_bakeries()
    link = fake_link(records, [k[0:4], k[4:8]])
    publish(golden, records, link)
    target = ids_by_record(golden)[k[0]]
    members = golden.members(target)
    assert members == sorted(k[0:4])
    golden.record_decisions(unmerge_pairs(members), "different", "ana", "four businesses",
                            scope="unmerge", registry_id=target)
    run2, summary = publish(golden, records, link)
    after = ids_by_record(golden)
    assert len({after[key] for key in k[0:4]}) == 4
    assert target in {after[key] for key in k[0:4]}  # one part keeps the id
    assert summary["events"]["split"] == 3
    assert ids_by_record(golden)[k[4]] == after[k[4]]  # the other bakery is untouched


def test_decisions_are_validated_and_never_logged_with_values(golden):
    with pytest.raises(ValueError, match="judgement must be one of same, different, unsure"):
        golden.record_decisions([("a:1", "b:1")], "maybe", "ana", "x")
    with pytest.raises(ValueError, match="steward's name and a reason"):
        golden.record_decisions([("a:1", "b:1")], "same", " ", "x")
    with pytest.raises(ValueError, match="ordered"):
        golden.record_decisions([("b:1", "a:1")], "same", "ana", "x")


def test_many_decisions_in_one_call_supersede_in_bulk(golden):
    members = [f"rjsc:R{i:03d}" for i in range(60)]
    first = golden.record_decisions(unmerge_pairs(members), "different", "ana", "unmerge",
                                    scope="unmerge", registry_id="UBR-000000018")
    assert len(first) == 60 * 59 // 2 and first == sorted(first)
    again = golden.record_decisions(unmerge_pairs(members[:3]), "same", "bo", "re-merge")
    log = golden.steward_decisions().set_index("decision_id")
    assert log.loc[again, "supersedes"].tolist() == first[:2] + [first[59]]
    with pytest.raises(ValueError, match="listed twice"):
        golden.record_decisions([("a:1", "b:1"), ("a:1", "b:1")], "same", "ana", "x")
