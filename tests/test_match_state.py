"""The match state: saved, loaded, the same scores for the same pairs, one more record matched."""

import json

import pandas as pd
import pytest

from canonical.paths import DEFAULT_SOURCES_CONFIG
from matching.golden.keys import with_record_keys
from matching.linking import link_records
from matching.state import MatchState, StateError
from sources.config import load_sources
from sources.demo import generate_demo_registers
from sources.ingest import ingest_source


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo")
    generate_demo_registers(data, businesses=400, seed=21)
    frames = [ingest_source(s, data).records
              for s in load_sources(DEFAULT_SOURCES_CONFIG).sources]
    records = with_record_keys(pd.concat(frames, ignore_index=True))
    return records, link_records(records)


def test_a_saved_state_loads_and_scores_the_same_pairs_the_same(linked, tmp_path):
    records, result = linked
    manifest = json.loads(result.state.save(tmp_path / "state").read_text())
    assert manifest["format"] == "ubr-match-state" and manifest["records"] == len(records)
    assert {"records.parquet", "model.json", "settings.json",
            "statistics/name_tokens.parquet"} <= set(manifest["files"])
    state = MatchState.load(tmp_path / "state")
    assert state.model == result.model and len(state.records) == len(records)
    pairs = result.pairs[result.pairs["rule"] != "identical"].head(2000)
    again = state.score_pairs(pairs[["record_key_l", "record_key_r"]])
    mine = pairs.set_index(["record_key_l", "record_key_r"])["match_probability"]
    theirs = again.set_index(["record_key_l", "record_key_r"])["match_probability"]
    assert len(theirs) == len(mine) > 100
    pd.testing.assert_series_equal(theirs.loc[mine.index], mine, check_names=False)
    decisions = again.set_index(["record_key_l", "record_key_r"])["decision"].astype(str)
    assert (decisions.loc[mine.index] == pairs.set_index(
        ["record_key_l", "record_key_r"])["decision"].astype(str)).all()


def test_one_more_record_finds_its_business_in_the_loaded_state(linked, tmp_path):
    records, result = linked
    result.state.save(tmp_path / "state")
    state = MatchState.load(tmp_path / "state")
    sizes = result.clusters.set_index("record_key")["cluster_size"]
    known = records[records["record_key"].map(sizes) >= 2].head(20)
    arrivals = known.assign(record_key="intake:" + known["record_key"])
    found = state.match_arrivals(arrivals)
    assert (found["record_key_r"].str.startswith("intake:")).all()
    # each arrival finds the very record it copies, and matches it
    twins = found[found["record_key_r"].str.removeprefix("intake:") == found["record_key_l"]]
    assert twins["record_key_r"].nunique() == len(arrivals)
    assert (twins["decision"].astype(str) == "match").all()
    # and its best candidate is in that record's business
    clusters = result.clusters.set_index("record_key")["cluster_id"]
    best = found.sort_values("match_probability").drop_duplicates("record_key_r", keep="last")
    same = best["record_key_l"].map(clusters).to_numpy() == best["record_key_r"].str.removeprefix(
        "intake:").map(clusters).to_numpy()
    assert same.mean() >= 0.95


def test_a_changed_or_foreign_state_is_refused_with_a_sentence(linked, tmp_path):
    _, result = linked
    result.state.save(tmp_path / "state")
    (tmp_path / "state" / "model.json").write_text("{}", encoding="utf-8")
    with pytest.raises(StateError, match="model.json is missing or was changed"):
        MatchState.load(tmp_path / "state")
    with pytest.raises(StateError, match="holds no match state"):
        MatchState.load(tmp_path / "nothing")
