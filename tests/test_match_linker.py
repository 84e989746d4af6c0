"""The linker end to end on standardised frames: evidence, rules, term frequencies, bands."""

import numpy as np
import pandas as pd
import pytest
from test_match_helpers import business, records_frame, synthetic_registry

from matching.linker import Linker
from matching.linking import link_records
from matching.model import SettingsError, ThresholdSettings, TrainedModel, load_settings
from matching.scoring import decide


@pytest.fixture(scope="module")
def result():
    base, _ = synthetic_registry(250, seed=4)
    extra = [business(f"tim{k}", "tim hortons", str(100 + k), "main", f"B3K{k}A{k}")
             for k in range(12)]
    extra += [
        # common name shared, same place: only the name's rarity differs from the next pair
        # (an e-mail on one side only keeps them from being collapsed as identical records)
        business("th_a", "tim hortons", "77", "quinpool", "B3L1A1", "+19025551111"),
        business("th_b", "tim hortons", "77", "quinpool", "B3L1A1", "+19025551111",
                 email_std="th@example.ca"),
        business("zw_a", "zephyr widgets", "88", "quinpool", "B3L1A2", "+19025552222"),
        business("zw_b", "zephyr widgets", "88", "quinpool", "B3L1A2", "+19025552222",
                 email_std="zw@example.ca"),
        # same valid BN root, otherwise unlike: the rule makes it a match
        business("bn_a", "northern lights co", "1", "pine", "B0E1A0", bn_root="123456782"),
        business("bn_b", "lumieres du nord", "9", "birch", "B0E2A0", bn_root="123456782"),
        # identical but two different valid BN roots: cannot-link
        business("cl_a", "seaside holdings", "5", "dock", "B0J1A0", "+19025553333",
                 bn_root="111111118"),
        business("cl_b", "seaside holdings", "5", "dock", "B0J1A0", "+19025553333",
                 bn_root="222222226"),
        # consecutive numbered companies at one registered office
        business("nc_a", "3301234 nova scotia", "10", "law", "B3J3A3", "+19025554444",
                 numbered_company="3301234"),
        business("nc_b", "3301235 nova scotia", "10", "law", "B3J3A3", "+19025554444",
                 numbered_company="3301235"),
    ]
    records = pd.concat([base, records_frame(extra)], ignore_index=True)
    records["bn_valid"] = records["bn_root"].notna()
    return link_records(records, load_settings())


def _pair(pairs: pd.DataFrame, a: str, b: str) -> pd.Series:
    hit = pairs[((pairs.record_key_l == a) & (pairs.record_key_r == b))
                | ((pairs.record_key_l == b) & (pairs.record_key_r == a))]
    assert len(hit) == 1, f"pair {a}-{b} not blocked"
    return hit.iloc[0]


def test_evidence_columns_present(result) -> None:
    cols = set(result.pairs.columns)
    for name in ["name", "address", "postal_code", "phone", "business_number"]:
        assert {f"{name}_level", f"{name}_weight"} <= cols
    assert {"record_key_l", "record_key_r", "rule", "match_weight", "match_probability",
            "decision", "blocking_rule"} <= cols


def test_rare_shared_name_scores_higher_than_common_one(result) -> None:
    common, rare = _pair(result.pairs, "th_a", "th_b"), _pair(result.pairs, "zw_a", "zw_b")
    assert common["name_level"] == rare["name_level"] == "exact"
    assert rare["name_weight"] > common["name_weight"]
    assert rare["match_weight"] > common["match_weight"]


def test_franchise_at_different_addresses_is_not_a_match(result) -> None:
    pair = _pair(result.pairs, "tim0", "tim1")
    assert pair["rule"] == "franchise" and pair["decision"] == "non_match"
    assert _pair(result.pairs, "th_a", "th_b")["rule"] != "franchise"


def test_bn_rules_and_numbered_companies(result) -> None:
    assert _pair(result.pairs, "bn_a", "bn_b")["decision"] == "match"
    conflict = _pair(result.pairs, "cl_a", "cl_b")
    assert conflict["rule"] == "different_bn" and conflict["decision"] == "non_match"
    numbered = _pair(result.pairs, "nc_a", "nc_b")
    assert numbered["rule"] == "different_numbered_company"
    cluster = result.clusters.set_index("record_key")["cluster_id"]
    assert cluster["bn_a"] == cluster["bn_b"]
    assert cluster["cl_a"] != cluster["cl_b"]
    assert cluster["nc_a"] != cluster["nc_b"]


def test_one_cluster_row_per_record_and_good_accuracy() -> None:
    records, truth = synthetic_registry(300, seed=9)
    res = link_records(records, load_settings())
    assert len(res.clusters) == len(records)
    predicted = res.clusters.set_index("record_key").loc[records["record_key"], "cluster_id"]
    same_pred = predicted.to_numpy()[:, None] == predicted.to_numpy()[None, :]
    same_true = truth.to_numpy()[:, None] == truth.to_numpy()[None, :]
    upper = np.triu(np.ones_like(same_true), 1)
    tp = (same_pred & same_true & upper).sum()
    precision = tp / max((same_pred & upper).sum(), 1)
    recall = tp / max((same_true & upper).sum(), 1)
    assert precision > 0.95 and recall > 0.9


def test_decision_bands() -> None:
    thresholds = ThresholdSettings(auto_match=0.9, review=0.4)
    decision = decide(np.array([0.95, 0.9, 0.5, 0.39, 0.1, 0.99]),
                      np.array(["", "", "", "", "same_bn", "different_bn"], dtype=object),
                      thresholds)
    assert decision.tolist() == ["match", "match", "review", "non_match", "match", "non_match"]


def test_model_saved_and_loaded(result, tmp_path) -> None:
    path = tmp_path / "model.json"
    result.model.save(path)
    loaded = TrainedModel.load(path)
    assert loaded == result.model
    assert loaded.config_hash == load_settings().config_hash()
    assert set(loaded.m) == {c.name for c in load_settings().comparisons}


def test_predict_with_a_saved_model_gives_same_scores(result) -> None:
    base, _ = synthetic_registry(60, seed=2)
    linker = Linker(load_settings())
    model = linker.train(base)
    first = linker.predict(base, model)
    again = Linker(load_settings()).predict(base, TrainedModel.model_validate_json(
        model.model_dump_json()))
    assert np.allclose(first["match_probability"], again["match_probability"])


def test_settings_errors_name_file_and_key(tmp_path) -> None:
    bad = tmp_path / "matching.yaml"
    text = load_settings().model_dump(mode="json")
    text["thresholds"]["review"] = 0.99
    text["thresholds"]["auto_match"] = 0.9
    text["em"]["training_rules"] = ["no_such_rule"]
    import yaml

    bad.write_text(yaml.safe_dump(text))
    with pytest.raises(SettingsError) as err:
        load_settings(bad)
    assert str(bad) in str(err.value) and "thresholds" in str(err.value)
    text = load_settings().model_dump(mode="json")
    text["blocking"]["max_block_size"] = 1
    bad.write_text(yaml.safe_dump(text))
    with pytest.raises(SettingsError, match="blocking.max_block_size"):
        load_settings(bad)


def test_cluster_accepts_evidence_keyed_by_record_key() -> None:
    records, _ = synthetic_registry(40, seed=5)
    linker = Linker(load_settings())
    model = linker.train(records)
    pairs = linker.predict(records, model).drop(columns=["i", "j"])
    for clusters in (linker.cluster(records, pairs), linker.cluster(records, pairs, model)):
        assert len(clusters) == len(records)
        assert set(clusters["record_key"]) == set(records["record_key"])


def test_unlike_names_at_a_shared_office_are_not_linked() -> None:
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
             "juliet", "kilo", "lima"]
    trades = ["roofing", "dental", "bakery", "marine", "optics", "forestry", "grocery",
              "welding", "pharmacy", "plumbing", "realty", "textiles"]
    office = [business(f"lf{k}", f"{words[k]} {trades[k]}", "1801", "hollis", "B3J3N4")
              for k in range(12)]
    office += [business("fb_a", "fundy fisheries", "1801", "hollis", "B3J3N4", "+19025557777"),
               business("fb_b", "bluenose catch", "1801", "hollis", "B3J3N4", "+19025557777")]
    base, _ = synthetic_registry(120, seed=8)
    res = link_records(pd.concat([base, records_frame(office)], ignore_index=True))
    pair = _pair(res.pairs, "lf0", "lf1")
    assert pair["rule"] == "different_names" and pair["decision"] == "non_match"
    assert _pair(res.pairs, "fb_a", "fb_b")["rule"] != "different_names"  # shared phone
    cluster = res.clusters.set_index("record_key")["cluster_id"]
    assert cluster[[f"lf{k}" for k in range(12)]].nunique() == 12


def _registry_with_copies() -> pd.DataFrame:
    base, _ = synthetic_registry(120, seed=7)
    copies = base.iloc[:40].copy()  # a second program-account line: identical fields
    copies["record_key"] = copies["record_key"] + "_copy"
    records = pd.concat([base, copies], ignore_index=True)
    records["bn_valid"] = records.get("bn_root", pd.Series(index=records.index)).notna()
    return records


def test_identical_records_are_collapsed_and_share_a_cluster() -> None:
    records = _registry_with_copies()
    res = link_records(records, load_settings(), min_probability=0.01)
    assert res.collapse is not None and res.collapse.collapsed >= 40
    cluster = res.clusters.set_index("record_key")["cluster_id"]
    for key in records["record_key"].iloc[:40]:
        assert cluster[key] == cluster[key + "_copy"]
    identical = res.pairs[res.pairs["rule"] == "identical_fields"]
    assert len(identical) == res.collapse.collapsed
    assert (identical["decision"] == "match").all()
    # every candidate pair written out: copies expanded, so each copy has its original's pairs
    every = link_records(records, load_settings())
    assert len(every.pairs) >= len(res.pairs)
    keys = set(zip(every.pairs.record_key_l, every.pairs.record_key_r, strict=True))
    for left, right in zip(res.pairs.record_key_l, res.pairs.record_key_r, strict=True):
        assert (left, right) in keys or (right, left) in keys


def test_chunked_scoring_equals_unchunked() -> None:
    records = _registry_with_copies()
    whole = link_records(records, load_settings(), chunk=10_000_000)
    chunked = link_records(records, load_settings(), chunk=97)
    pd.testing.assert_frame_equal(whole.clusters, chunked.clusters)
    pd.testing.assert_frame_equal(whole.pairs, chunked.pairs)
    assert whole.model.m == chunked.model.m
