"""Blocking: unique ordered pairs, union of rules, giant blocks dropped, recall helper."""

import numpy as np
import pandas as pd
from test_match_helpers import business, records_frame

from matching.blocking import block, blocking_recall, pairs_within_groups
from matching.compare import prepare_records
from matching.model import BlockingRuleSettings, BlockingSettings


def test_pairs_within_groups_is_every_pair_once() -> None:
    i, j, dropped, _ = pairs_within_groups(
        np.array([0, 1, 2, 3, 4]), np.array([7, 7, 7, 9, 9]), max_block_size=10)
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2), (3, 4)]
    assert dropped == 0


def test_union_without_duplicates_and_giant_blocks_dropped() -> None:
    rows = [business(f"k{n}", f"firm {n}", "1", "law street", "B3H1A1") for n in range(6)]
    rows += [business("a", "acme bakery", "5", "main", "B2A1B1", "+19025550000"),
             business("b", "acme bakery", "5", "main", "B2A1B1", "+19025550000")]
    records = prepare_records(records_frame(rows))
    settings = BlockingSettings(max_block_size=5, rules=[
        BlockingRuleSettings(name="postal", keys=["postal_code_std"]),
        BlockingRuleSettings(name="phone", keys=["phone_e164"]),
        BlockingRuleSettings(name="tokens", keys=["name_token", "fsa"]),
    ])
    pairs, report = block(records, settings)
    assert (pairs["i"] < pairs["j"]).all()
    assert not pairs.duplicated(["i", "j"]).any()
    by_rule = report.as_frame().set_index("rule")
    assert by_rule.loc["postal", "blocks_dropped"] == 1  # the shared law-firm postcode
    assert by_rule.loc["postal", "records_in_dropped_blocks"] == 6
    assert by_rule.loc["phone", "pairs"] == 1 and by_rule.loc["phone", "new_pairs"] == 0
    assert report.total_pairs == len(pairs)
    truth = pd.Series([f"law{n}" for n in range(6)] + ["acme", "acme"])
    assert blocking_recall(pairs, truth) == {"true_pairs": 1, "kept": 1, "recall": 1.0}


def test_chain_names_exclude_registered_legal_names() -> None:
    rows = [business(f"t{k}", "tim hortons", str(k), "main", f"B3K{k}A1") for k in range(4)]
    rows += [business(f"p{k}", "power seafoods", str(k), "water", f"B5A{k}L4",
                      name_legal_form="ltd") for k in range(4)]
    records = prepare_records(records_frame(rows))
    chain = records.set_index("record_key")["chain_name"]
    assert chain[[f"t{k}" for k in range(4)]].all()
    assert not chain[[f"p{k}" for k in range(4)]].any()
