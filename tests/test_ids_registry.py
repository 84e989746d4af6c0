"""Persistent registry ids: format, stability across runs, and merge/split/retire events."""

import numpy as np
import pandas as pd
import pytest
from test_golden_helpers import bakery, canonical, fake_link, ids_by_record, publish

from matching.golden.registry_ids import (
    assign_registry_ids,
    format_registry_id,
    format_registry_ids,
    is_valid_registry_id,
)
from registry.golden_store import GoldenStore


def events_of(golden: GoldenStore, run_id: str) -> pd.DataFrame:
    return golden.table("events", run_id=run_id)


# -- the id format ------------------------------------------------------------------------


def test_id_format_has_a_luhn_check_digit():
    assert format_registry_id(12) == "UBR-000000125"
    assert is_valid_registry_id("UBR-000000125")
    assert not is_valid_registry_id("UBR-000000126")  # one digit wrong
    assert not is_valid_registry_id("NS-000000125") and not is_valid_registry_id("UBR-12")
    many = format_registry_ids(np.arange(1, 2001))
    assert list(many) == [format_registry_id(s) for s in range(1, 2001)]
    with pytest.raises(ValueError):
        format_registry_id(0)


def membership(groups: list[list[str]]) -> pd.DataFrame:
    rows = [(key, min(group)) for group in groups for key in group]
    frame = pd.DataFrame(rows, columns=["record_key", "cluster_id"])
    parts = frame["record_key"].str.split(":", n=1, expand=True)
    return frame.assign(source=parts[0], source_record_id=parts[1])


def test_assignment_is_stable_and_silent_on_the_same_clusters():
    groups = [["a:1", "b:1"], ["a:2"], ["a:3", "b:3", "c:3"]]
    first = assign_registry_ids(membership(groups), pd.DataFrame(
        columns=["record_key", "registry_id"]), 1)
    assert (first.events["kind"] == "created").sum() == 3
    previous = membership(groups).merge(first.cluster_ids)[["record_key", "registry_id"]]
    # the same clusters, records listed in another order
    again = assign_registry_ids(membership(groups).iloc[::-1], previous, first.next_sequence)
    assert again.events.empty and again.retired.empty
    assert again.cluster_ids.equals(first.cluster_ids)


def test_merge_keeps_the_older_id_even_when_the_newer_part_is_larger():
    groups = [["a:1"], ["b:1", "b:2", "b:3"]]
    first = assign_registry_ids(membership(groups), pd.DataFrame(
        columns=["record_key", "registry_id"]), 1)
    older, newer = first.cluster_ids["registry_id"]
    previous = membership(groups).merge(first.cluster_ids)[["record_key", "registry_id"]]
    merged = assign_registry_ids(membership([["a:1", "b:1", "b:2", "b:3"]]), previous, 3)
    assert merged.cluster_ids["registry_id"].tolist() == [older]
    assert merged.retired.to_dict("records") == [{"registry_id": newer, "retired_into": older}]
    kinds = merged.events.set_index("kind")
    assert kinds.loc["merged", "registry_id"] == older
    assert kinds.loc["merged", "other_registry_id"] == newer
    assert kinds.loc["retired", "registry_id"] == newer
    assert "record_moved" not in kinds.index  # the merge event covers the whole business


# -- through the store, on SQLite and PostgreSQL ------------------------------------------


def test_same_input_same_ids_same_golden_and_no_events(golden):
    records = canonical(bakery(1) + bakery(2) + bakery(3))
    keys = list(records["record_key"])
    link = fake_link(records, [keys[0:4], keys[4:8], keys[8:12]],
                     review=[(keys[0], keys[4], 0.7)])
    run1, summary1 = publish(golden, records, link)
    assert summary1["businesses"] == 3 and summary1["events"]["created"] == 3
    ids1, businesses1 = ids_by_record(golden), golden.table("businesses")
    provenance1 = golden.table("field_provenance")
    run2, summary2 = publish(golden, records.iloc[::-1], link)  # same input, another order
    assert sum(summary2["events"].values()) == 0 and summary2["businesses_written"] == 0
    assert events_of(golden, run2).empty
    assert ids_by_record(golden) == ids1
    pd.testing.assert_frame_equal(golden.table("businesses"), businesses1)
    pd.testing.assert_frame_equal(golden.table("field_provenance"), provenance1)
    assert all(is_valid_registry_id(i) for i in businesses1["registry_id"])
    assert set(businesses1["last_run_id"]) == {run1}


def test_provenance_and_values_are_persisted(golden):
    records = canonical(bakery())
    link = fake_link(records, [list(records["record_key"])])
    publish(golden, records, link)
    (registry_id,) = golden.table("businesses")["registry_id"]
    business = golden.business(registry_id)
    assert business["legal_name"] == "Boulangerie Côté Limited"
    assert business["status"] == "active" and business["member_count"] == 4
    provenance = golden.table("field_provenance").set_index("field")
    assert provenance.loc["legal_name", ["source", "source_record_id", "rule"]].tolist() == [
        "rjsc", "R1", "trust"]
    values = golden.table("business_values")
    assert set(values[values["kind"] == "operating_name"]["value"]) == {
        "Côté Bakery", "Pain Côté", "COTE BAKERY"}


def test_merge_split_retire_and_record_events_between_two_runs(golden):
    records = canonical(bakery(1) + bakery(2) + bakery(3))
    k = list(records["record_key"])
    run1, _ = publish(golden, records, fake_link(records, [k[0:4], k[4:8], k[8:12]]))
    before = ids_by_record(golden)
    id1, id2, id3 = before[k[0]], before[k[4]], before[k[8]]
    # run 2: businesses 1 and 2 merge; business 3 splits (its permit record leaves);
    # one wcb record of business 3 disappears from the input
    kept = records[records["record_key"] != k[9]]
    link = fake_link(kept, [k[0:8], [k[8], k[10]]])  # k[11] (the permit) stands alone
    run2, summary = publish(golden, kept, link)
    after = ids_by_record(golden)
    assert after[k[4]] == id1 == after[k[0]]  # the older id survives the merge
    assert after[k[8]] == id3  # the largest part keeps the id
    assert after[k[11]] not in (id1, id2, id3)
    events = events_of(golden, run2)
    by_kind = events.groupby("kind")["registry_id"].apply(list).to_dict()
    assert by_kind["merged"] == [id1] and sorted(by_kind["retired"]) == [id2]
    split = events[events["kind"] == "split"].iloc[0]
    assert split["registry_id"] == after[k[11]] and split["other_registry_id"] == id3
    removed = events[events["kind"] == "record_removed"].iloc[0]
    assert (removed["source"], removed["registry_id"]) == ("wcb", id3)
    moved = events[events["kind"] == "record_moved"]
    assert moved["source_record_id"].tolist() == ["P-3"]
    assert summary["events"]["merged"] == 1 and summary["events"]["split"] == 1
    retired = golden.business(id2)
    assert retired["status"] == "retired" and retired["retired_into"] == id1
    assert (events["run_id"] == run2).all() and events["reason"].str.len().gt(0).all()
    # a third run on the run-2 input changes nothing
    run3, summary3 = publish(golden, kept, link)
    assert sum(summary3["events"].values()) == 0 and events_of(golden, run3).empty


@pytest.mark.parametrize("bulk_read", [False, True])
def test_golden_field_change_is_an_updated_event(golden, monkeypatch, bulk_read):
    if bulk_read:  # many changed businesses: the old provenance is read in one bulk query
        monkeypatch.setattr("registry.golden_store.BULK_READ_IDS", 0)
    rows = bakery()
    records = canonical(rows)
    link = fake_link(records, [list(records["record_key"])])
    publish(golden, records, link)
    rows[0]["legal_name"] = "Boulangerie Côté & Fils Limited"
    run2, summary = publish(golden, canonical(rows), link)
    events = events_of(golden, run2)
    assert events["kind"].tolist() == ["updated"]
    assert events["reason"].iloc[0] == "golden field legal_name changed"
    assert "Fils" not in events["reason"].iloc[0]  # values never in events
    (registry_id,) = golden.table("businesses")["registry_id"]
    assert golden.business(registry_id)["legal_name"] == "Boulangerie Côté & Fils Limited"
    assert golden.business(registry_id)["last_run_id"] == run2


def test_a_new_record_joining_a_business_is_recorded(golden):
    rows = bakery()
    records = canonical(rows[:3])
    publish(golden, records, fake_link(records, [list(records["record_key"])]))
    everything = canonical(rows)
    run2, summary = publish(golden, everything, fake_link(everything, [
        list(everything["record_key"])]))
    added = events_of(golden, run2)
    assert added[added["kind"] == "record_added"]["source"].tolist() == ["permits"]
    assert summary["businesses"] == 1 and summary["events"]["created"] == 0


def test_retired_ids_point_one_hop_to_the_active_business(golden):
    records = canonical(bakery(1) + bakery(2) + bakery(3))
    k = list(records["record_key"])
    publish(golden, records, fake_link(records, [k[0:4], k[4:8], k[8:12]]))
    ids = ids_by_record(golden)
    oldest, middle, newest = ids[k[0]], ids[k[4]], ids[k[8]]
    publish(golden, records, fake_link(records, [k[0:4], k[4:12]]))  # newest -> middle
    assert golden.business(newest)["retired_into"] == middle
    publish(golden, records, fake_link(records, [k[0:12]]))  # middle -> oldest
    assert golden.business(middle)["retired_into"] == oldest
    assert golden.business(newest)["retired_into"] == oldest  # re-pointed, not a chain


def test_every_id_has_a_created_event_even_after_a_split(golden):
    from matching.golden.audit import events_consistent

    records = canonical(bakery(1))
    k = list(records["record_key"])
    publish(golden, records, fake_link(records, [k]))
    run2, summary = publish(golden, records, fake_link(records, [k[0:3]]))
    events = events_of(golden, run2)
    born = events[events["kind"] == "created"].iloc[0]
    assert born["other_registry_id"] == ids_by_record(golden)[k[0]]
    assert summary["events"]["created"] == summary["events"]["split"] == 1
    assert events_consistent(golden.table("businesses"), golden.table("events")).passed


def test_records_that_come_back_revive_their_retired_id_never_a_new_one(golden):
    """A header-only extract retired businesses; when the file is restored, the ids return."""
    from matching.golden.audit import events_consistent

    everything = canonical(bakery(1) + bakery(2))
    k = list(everything["record_key"])
    publish(golden, everything, fake_link(everything, [k[0:4], k[4:8]]))
    ids = ids_by_record(golden)
    kept, gone = ids[k[0]], ids[k[4]]
    first = canonical(bakery(1))
    publish(golden, first, fake_link(first, [k[0:4]]))  # bakery 2's records all left
    assert golden.business(gone)["status"] == "retired"
    run3, summary = publish(golden, everything, fake_link(everything, [k[0:4], k[4:8]]))
    after = ids_by_record(golden)
    assert {after[key] for key in k[4:8]} == {gone}  # the same id, not a new one
    assert after[k[0]] == kept
    assert golden.business(gone)["status"] == "active"
    assert golden.business(gone)["retired_into"] is None
    events = events_of(golden, run3)
    assert events.loc[events["kind"] == "revived", "registry_id"].tolist() == [gone]
    assert summary["events"]["created"] == 0 and summary["events"]["revived"] == 1
    assert events_consistent(golden.table("businesses"), golden.table("events")).passed
    # and a fourth run on the same input is silent
    run4, summary4 = publish(golden, everything, fake_link(everything, [k[0:4], k[4:8]]))
    assert sum(summary4["events"].values()) == 0 and events_of(golden, run4).empty


def test_a_returning_record_revives_the_id_most_of_its_cluster_had():
    empty = pd.DataFrame(columns=["record_key", "registry_id"])
    departed = pd.DataFrame({"record_key": ["a:1", "a:2", "a:3"],
                             "registry_id": ["UBR-000000018", "UBR-000000026", "UBR-000000026"]})
    back = assign_registry_ids(membership([["a:1", "a:2", "a:3"], ["a:9"]]), empty, 5, departed)
    ids = dict(zip(back.cluster_ids["cluster_id"], back.cluster_ids["registry_id"], strict=True))
    assert ids["a:1"] == "UBR-000000026"  # two of its three records had it
    assert ids["a:9"] == format_registry_id(5)  # a record never seen before: a new id
    assert back.revived == ["UBR-000000026"] and back.next_sequence == 6
    assert back.events["kind"].tolist().count("revived") == 1


def test_a_merge_undone_gives_the_merged_id_back_and_a_lasting_merge_stays_silent(golden):
    """Without the companies register two businesses merge; with it back they split again."""
    records = canonical(bakery(1) + bakery(2))
    k = list(records["record_key"])
    publish(golden, records, fake_link(records, [k[0:4], k[4:8]]))
    ids = ids_by_record(golden)
    first, second = ids[k[0]], ids[k[4]]
    publish(golden, records, fake_link(records, [k[0:8]]))  # merged: the older id survives
    assert golden.business(second)["retired_into"] == first
    run, summary = publish(golden, records, fake_link(records, [k[0:8]]))
    assert sum(summary["events"].values()) == 0 and events_of(golden, run).empty
    run, summary = publish(golden, records, fake_link(records, [k[0:4], k[4:8]]))
    after = ids_by_record(golden)
    assert {after[key] for key in k[0:4]} == {first} and {after[key] for key in k[4:8]} == {second}
    assert summary["events"]["revived"] == 1 and summary["events"]["created"] == 0
    events = events_of(golden, run)
    assert sorted(events.loc[events["kind"] == "record_moved", "source_record_id"]) == sorted(
        records["source_record_id"].iloc[4:8])
