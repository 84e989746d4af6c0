"""The steward desk: stable pair ids, decisions, moves, links, unmerges and their undo.

Published with the golden helpers, then each action is applied by the next run, as it
would be after a steward's session.
"""

import pytest
import sqlalchemy as sa
from test_golden_helpers import bakery, canonical, fake_link, ids_by_record, publish

from canonical.pair_ids import pair_id
from registry.migrate import alembic_config
from registry.steward_desk import DECIDED, EVERY, PENDING, QueueFilter, StewardDesk, StewardError


@pytest.fixture
def desk(golden) -> StewardDesk:
    return StewardDesk(golden)


def bakeries(count: int = 3):
    records = canonical([row for n in range(1, count + 1) for row in bakery(n)])
    return records, list(records["record_key"])


def test_pair_ids_depend_on_the_two_records_only():
    assert pair_id("rjsc:R1", "wcb:W1") == pair_id("wcb:W1", "rjsc:R1")
    assert pair_id("rjsc:R1", "wcb:W1") != pair_id("rjsc:R1", "wcb:W2")
    assert len(pair_id("a:1", "b:2")) == 12 and int(pair_id("a:1", "b:2"), 16) >= 0


def test_a_pair_keeps_its_id_from_one_run_to_the_next(golden, desk):
    records, k = bakeries(2)
    first = fake_link(records, [k[0:4], k[4:8]], review=[(k[0], k[4], 0.8), (k[1], k[5], 0.6)])
    publish(golden, records, first)
    queued = desk.queue()
    ids_before = {(row.record_key_l, row.record_key_r): row.pair_id
                  for row in queued.itertuples()}
    # the next run finds another pair first: a row number would shift, the id does not
    second = fake_link(records, [k[0:4], k[4:8]], review=[(k[2], k[6], 0.9), (k[1], k[5], 0.6),
                                                          (k[0], k[4], 0.8)])
    publish(golden, records, second)
    queue = desk.queue()
    assert len(queue) == 3
    for (left, right), wanted in ids_before.items():
        row = queue[(queue["record_key_l"] == left) & (queue["record_key_r"] == right)]
        assert row["pair_id"].tolist() == [wanted]
        assert wanted == pair_id(left, right)
        assert desk.pair(wanted)["run_id"] == row["run_id"].iloc[0]  # the latest run's row


def test_decide_filters_and_undo_hand_the_pair_back(golden, desk):
    records, k = bakeries(2)
    publish(golden, records, fake_link(records, [k[0:4], k[4:8]],
                                       review=[(k[0], k[4], 0.85), (k[1], k[5], 0.55)]))
    high = desk.queue(QueueFilter(min_probability=0.8))
    assert len(high) == 1 and high["match_probability"].iloc[0] == pytest.approx(0.85)
    assert len(desk.queue(QueueFilter(source="permits"))) == 0
    assert desk.queue(QueueFilter(source="rjsc"))["record_key_l"].tolist() == [min(k[0], k[4])]
    chosen = high["pair_id"].iloc[0]
    decided = desk.decide(chosen, "different", "ana", "two bakeries")
    assert chosen in decided.message
    assert chosen not in set(desk.queue(QueueFilter(status=PENDING))["pair_id"])
    assert chosen in set(desk.queue(QueueFilter(status=DECIDED))["pair_id"])
    desk.decide(chosen, "same", "bo", "one bakery after all")  # supersedes ana's
    undone = desk.undo(decided.decision_ids[0] + 1, "ana", "bo misread the BN")
    assert "1 pair(s)" in undone.message
    in_force = desk.decisions_in_force().set_index("record_key_l")
    assert in_force.loc[min(k[0], k[4]), "judgement"] == "different"  # ana's again
    assert in_force.loc[min(k[0], k[4]), "scope"] == "undo"
    # undo ana's first decision: it was superseded, so it cannot be undone any more
    with pytest.raises(StewardError, match="already superseded"):
        desk.undo(decided.decision_ids[0], "ana", "again")
    desk.undo(undone.decision_ids[0], "ana", "restore bo's")  # an undo is undone like any
    assert desk.decisions_in_force().set_index("record_key_l").loc[
        min(k[0], k[4]), "judgement"] == "same"
    other = desk.queue(QueueFilter(max_probability=0.6))["pair_id"].iloc[0]
    desk.decide(other, "unsure", "ana", "cannot tell")
    labels = desk.labels()  # what the next training learns from: settled pairs only
    assert labels.to_dict("records") == [{"record_key_l": min(k[0], k[4]),
                                          "record_key_r": max(k[0], k[4]), "match": True}]
    assert len(desk.queue(QueueFilter(status=EVERY))) == 2


def test_unmerge_and_its_undo_over_two_runs(golden, desk):
    records, k = bakeries(1)
    link = fake_link(records, [k[0:4]])
    publish(golden, records, link)
    target = ids_by_record(golden)[k[0]]
    unmerged = desk.unmerge(target, "ana", "four businesses?")
    assert len(unmerged.decision_ids) == 6
    log = desk.log()
    assert log["pairs"].iloc[0] == 6 and log["scope"].iloc[0] == "unmerge"
    publish(golden, records, link)
    assert len(set(ids_by_record(golden).values())) == 4
    undone = desk.undo(unmerged.decision_ids[3], "ana", "it was one bakery")
    assert len(undone.decision_ids) == 6  # the whole unmerge, whichever decision is named
    assert set(desk.decisions_in_force()["judgement"]) == {"unsure"}
    assert desk.log()["in_force"].tolist()[:2] == [6, 0]
    publish(golden, records, link)
    assert set(ids_by_record(golden).values()) == {target}  # the model's say again


def test_move_and_link_a_record_by_hand(golden, desk):
    records, k = bakeries(3)
    link = fake_link(records, [k[0:4], k[4:8], k[8:12]])
    publish(golden, records, link)
    ids = ids_by_record(golden)
    first, second = ids[k[0]], ids[k[4]]
    moved = desk.move(k[3], second, "ana", "the permit is the second bakery's")
    assert len(moved.decision_ids) == 3 + 4  # apart from 3, with 4
    publish(golden, records, link)
    after = ids_by_record(golden)
    assert after[k[3]] == after[k[4]] and after[k[3]] != after[k[0]]
    assert len(golden.members(after[k[4]])) == 5
    desk.link(k[8], after[k[4]], "ana", "one owner, one business")  # with its business
    publish(golden, records, link)
    final = ids_by_record(golden)
    assert len({final[key] for key in [*k[3:12]]}) == 1 and final[k[0]] != final[k[4]]
    assert len(set(final.values())) == 2
    with pytest.raises(StewardError, match="already in"):
        desk.move(k[0], ids_by_record(golden)[k[0]], "ana", "x")
    with pytest.raises(StewardError, match="no record rjsc:nope"):
        desk.link("rjsc:nope", first, "ana", "x")
    with pytest.raises(StewardError, match="no business UBR-999999999"):
        desk.unmerge("UBR-999999999", "ana", "x")
    with pytest.raises(StewardError, match="reason"):
        desk.unmerge(ids_by_record(golden)[k[0]], "ana", " ")


def test_migration_0010_gives_queued_pairs_their_stable_ids(database_url):
    from alembic import command

    url = database_url
    command.upgrade(alembic_config(url), "0009")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO runs (run_id, started_at, status, code_version, config_hash) "
            "VALUES ('r1', '2026-12-01 00:00:00', 'succeeded', 'v', 'h')"))
        for number, (left, right) in enumerate([("rjsc:R1", "wcb:W1"), ("rjsc:R2", "wcb:W2")]):
            connection.execute(sa.text(
                "INSERT INTO review_queue (pair_id, run_id, record_key_l, record_key_r, "
                "priority, match_probability, match_weight, business_size, evidence) VALUES "
                "(:n, 'r1', :l, :r, :n, 0.7, 1.0, 2, :e)"), {"n": number + 7, "l": left,
                                                             "r": right, "e": "{}"})
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT pair_id, record_key_l, record_key_r, priority FROM review_queue "
            "ORDER BY priority")).all()
    assert [row.pair_id for row in rows] == [pair_id("rjsc:R1", "wcb:W1"),
                                              pair_id("rjsc:R2", "wcb:W2")]
    assert [row.priority for row in rows] == [7, 8]
    command.downgrade(alembic_config(url), "0009")  # and back, the rows kept
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM review_queue")).scalar() == 2
    engine.dispose()
