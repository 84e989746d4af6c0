"""The one-to-one posterior: candidates in one file compete for a record's single match."""

import numpy as np
import pytest
from test_link_only_and_lambda_floor import _name_lists

from matching.linking import link_records
from matching.one_to_one import MAX_SHARE, one_to_one_probabilities


def test_a_lone_candidate_rises_and_look_alikes_share_the_belief() -> None:
    # record 0 (file 0) has one candidate, 2; record 1 (file 0) has two, 3 and 4 (file 1)
    i, j = np.array([0, 1, 1]), np.array([2, 3, 4])
    file_of = np.array([0, 0, 1, 1, 1])
    lam = 1.0  # every record has a match in the other file: the share is capped at 0.99
    p = one_to_one_probabilities(i, j, np.array([0.8, 0.8, 0.8]), file_of, lam)
    odds = 0.8 / 0.2
    lone = odds / ((1 - MAX_SHARE) + odds)
    assert p[0] == pytest.approx(lone)  # b's side: 2 has one candidate too
    assert p[1] == pytest.approx(odds / ((1 - MAX_SHARE) + 2 * odds))  # shares with pair 3
    assert p[0] > 0.99 and p[1] < 0.5


def test_in_a_list_whose_records_rarely_match_nothing_rises() -> None:
    i, j, file_of = np.array([0]), np.array([1]), np.array([0, 1])
    p = one_to_one_probabilities(i, j, np.array([0.8]), file_of, lam=1e-6)
    assert p[0] == pytest.approx(4 / (1 - 1e-6 + 4))  # about the pair's own 0.8


def test_link_records_one_to_one_writes_the_posterior_it_decided_on() -> None:
    records, files = _name_lists()
    plain = link_records(records, link_only=files)
    exclusive = link_records(records, link_only=files, one_to_one=True)
    pairs = exclusive.pairs
    thresholds = exclusive.model.thresholds
    decided = pairs[pairs["rule"].astype(str) == ""]
    assert (decided.loc[decided["match_probability"] >= thresholds.auto_match, "decision"]
            == "match").all()
    assert (decided.loc[decided["match_probability"] < thresholds.review, "decision"]
            == "non_match").all()
    merged = plain.pairs.merge(pairs, on=["record_key_l", "record_key_r"])
    assert len(merged) and not np.allclose(merged["match_probability_x"],
                                           merged["match_probability_y"])
    cluster = exclusive.clusters.set_index("record_key")["cluster_id"]
    sizes = cluster.value_counts()
    assert sizes.max() <= 2  # one record of each list at most
