"""Evidence profiles: each distinct evidence set stored once, pairs naming it, nothing lost.

Migration 0011 moves the JSON of existing match_evidence rows into profiles (and back on a
downgrade); a run writes a profile once however many pairs share it, and readers see every
pair's evidence as before.
"""

import json

import sqlalchemy as sa
from alembic import command
from test_golden_helpers import bakery, canonical, fake_link, publish

from canonical.evidence_profiles import canonical_evidence, profile_id
from registry.golden_schema import evidence_profiles, match_evidence
from registry.migrate import alembic_config

NAME_EXACT = {"name_level": "exact", "name_weight": 12.5, "rule": "model"}
NAME_FUZZY = {"name_level": "jw_0.92", "name_weight": 4.25, "rule": "model"}


def test_a_profile_is_named_by_its_content_whatever_the_key_order():
    reordered = {"rule": "model", "name_weight": 12.5, "name_level": "exact"}
    assert profile_id(NAME_EXACT) == profile_id(reordered) == profile_id(json.dumps(reordered))
    assert profile_id(NAME_EXACT) != profile_id(NAME_FUZZY)
    assert len(profile_id(NAME_EXACT)) == 16
    assert json.loads(canonical_evidence(reordered)) == NAME_EXACT


def test_migration_0011_moves_the_evidence_into_profiles_and_back(database_url):
    url = database_url
    command.upgrade(alembic_config(url), "0010")
    engine = sa.create_engine(url)
    rows = [("rjsc:R1", "wcb:W1", NAME_EXACT), ("rjsc:R2", "wcb:W2", NAME_FUZZY),
            # the same set with its keys in another order: one profile with the first
            ("rjsc:R3", "wcb:W3", {"rule": "model", "name_weight": 12.5, "name_level": "exact"})]
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO runs (run_id, started_at, status, code_version, config_hash) "
            "VALUES ('r1', '2026-12-01 00:00:00', 'succeeded', 'v', 'h')"))
        for left, right, evidence in rows:
            connection.execute(sa.text(
                "INSERT INTO match_evidence (run_id, record_key_l, record_key_r, decision, "
                "rule, match_probability, match_weight, evidence) VALUES "
                "('r1', :l, :r, 'match', 'model', 0.99, 7.0, :e)"),
                {"l": left, "r": right, "e": json.dumps(evidence)})
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        profiles = dict(connection.execute(sa.select(
            evidence_profiles.c.profile_id, evidence_profiles.c.evidence)).all())
        named = dict(connection.execute(sa.select(
            match_evidence.c.record_key_l, match_evidence.c.profile_id)).all())
    assert profiles == {profile_id(NAME_EXACT): NAME_EXACT, profile_id(NAME_FUZZY): NAME_FUZZY}
    assert named == {"rjsc:R1": profile_id(NAME_EXACT), "rjsc:R2": profile_id(NAME_FUZZY),
                     "rjsc:R3": profile_id(NAME_EXACT)}
    command.downgrade(alembic_config(url), "0010")
    with engine.connect() as connection:
        back = connection.execute(sa.text(
            "SELECT record_key_l, evidence FROM match_evidence ORDER BY record_key_l")).all()
    engine.dispose()
    assert [(key, value if isinstance(value, dict) else json.loads(value))
            for key, value in back] == [("rjsc:R1", NAME_EXACT), ("rjsc:R2", NAME_FUZZY),
                                        ("rjsc:R3", NAME_EXACT)]


def test_a_run_stores_each_evidence_set_once_and_readers_see_every_pair(golden):
    records = canonical([row for n in range(1, 4) for row in bakery(n)])
    keys = list(records["record_key"])
    groups = [keys[i:i + 4] for i in range(0, len(keys), 4)]  # three bakeries, four records
    link = fake_link(records, groups)
    run_id, _ = publish(golden, records, link)
    evidence = golden.table("match_evidence", run_id=run_id)
    with golden.engine.connect() as connection:
        stored = connection.execute(sa.select(sa.func.count()).select_from(
            evidence_profiles)).scalar()
    distinct = {json.dumps(e, sort_keys=True) for e in evidence["evidence"]}
    assert len(evidence) == (link.pairs["decision"] == "match").sum() == 9
    assert stored == len(distinct) < len(evidence)
    assert {"name_level", "name_weight"} <= set(evidence["evidence"].iloc[0])
    rerun, _ = publish(golden, records, fake_link(records, groups))  # the same sets again
    with golden.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(
            evidence_profiles)).scalar() == stored
    assert len(golden.table("match_evidence", run_id=rerun)) == 9
