"""The benchmark metrics on cases small enough to compute by hand: the figures must be right."""

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import metrics  # noqa: E402
from benchmarks.metrics import bcubed, blocking, pairwise  # noqa: E402

# Truth: {a,b,c} {d,e} {f}. True pairs: ab ac bc de = 4.
TRUTH = pd.Series({"a": "E1", "b": "E1", "c": "E1", "d": "E2", "e": "E2", "f": "E3"})


def test_pairwise_on_a_mixed_clustering():
    # Predicted {a,b} {c,d} {e,f}: pairs ab cd ef; only ab is true.
    predicted = pd.Series({"a": 1, "b": 1, "c": 2, "d": 2, "e": 3, "f": 3})
    scores = pairwise(predicted, TRUTH)
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.recall == pytest.approx(1 / 4)
    assert scores.f1 == pytest.approx(2 / 7)


def test_bcubed_on_a_mixed_clustering():
    predicted = pd.Series({"a": 1, "b": 1, "c": 2, "d": 2, "e": 3, "f": 3})
    scores = bcubed(predicted, TRUTH)
    # per-record precision 1, 1, 1/2, 1/2, 1/2, 1/2; recall 2/3, 2/3, 1/3, 1/2, 1/2, 1
    assert scores.precision == pytest.approx(4 / 6)
    assert scores.recall == pytest.approx(11 / 18)
    p, r = 2 / 3, 11 / 18
    assert scores.f1 == pytest.approx(2 * p * r / (p + r))


def test_perfect_clustering_scores_one_whatever_the_labels():
    predicted = pd.Series({"a": "x", "b": "x", "c": "x", "d": 7, "e": 7, "f": "z"})
    for scores in (pairwise(predicted, TRUTH), bcubed(predicted, TRUTH)):
        assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)


def test_all_singletons_claim_nothing_and_find_nothing():
    predicted = pd.Series({k: i for i, k in enumerate("abcdef")})
    pw = pairwise(predicted, TRUTH)
    assert (pw.precision, pw.recall, pw.f1) == (1.0, 0.0, 0.0)
    b3 = bcubed(predicted, TRUTH)
    assert b3.precision == 1.0
    assert b3.recall == pytest.approx((1 / 3 * 3 + 1 / 2 * 2 + 1) / 6)


def test_one_giant_cluster():
    predicted = pd.Series(dict.fromkeys("abcdef", 0))
    pw = pairwise(predicted, TRUTH)
    assert pw.precision == pytest.approx(4 / 15)
    assert pw.recall == 1.0
    b3 = bcubed(predicted, TRUTH)
    assert b3.precision == pytest.approx((3 * 3 / 6 + 2 * 2 / 6 + 1 / 6) / 6)
    assert b3.recall == 1.0


def test_records_missing_from_prediction_are_singletons_and_extras_ignored():
    # c, e and f absent; "zz" is not in the truth. Labels 0 must not merge with the gaps.
    predicted = pd.Series({"a": 0, "b": 0, "d": 1, "zz": 0})
    pw = pairwise(predicted, TRUTH)
    assert pw.precision == 1.0
    assert pw.recall == pytest.approx(1 / 4)


def test_blocking_recall_counts_distinct_unordered_pairs():
    key_l = pd.Series(["a", "b", "a", "c", "a", "x"])
    key_r = pd.Series(["b", "a", "a", "d", "c", "y"])
    scores = blocking(key_l, key_r, TRUTH)
    # distinct non-self pairs: ab, cd, ac, xy; true among them: ab, ac; true pairs: 4
    assert scores.candidate_pairs == 4
    assert scores.true_pairs_kept == 2
    assert scores.true_pairs == 4
    assert scores.recall == pytest.approx(0.5)


def test_blocking_without_candidates():
    empty = pd.Series([], dtype="string")
    scores = blocking(empty, empty, TRUTH)
    assert (scores.candidate_pairs, scores.true_pairs_kept, scores.recall) == (0, 0, 0.0)


def test_repeated_keys_are_refused():
    with pytest.raises(ValueError):
        pairwise(pd.Series([1, 2], index=["a", "a"]), TRUTH)


def test_blocking_from_csv_agrees_with_the_in_memory_measure(tmp_path):
    pytest.importorskip("duckdb")
    from benchmarks.metrics import blocking_from_csv

    truth = pd.Series({"f.csv/a": 1, "f.csv/b": 1, "g.csv/c": 1, "f.csv/d": 2, "g.csv/e": 2})
    pairs = pd.DataFrame({
        "file_l": ["f.csv", "f.csv", "g.csv", "f.csv", "f.csv", "x.csv"],
        "record_id_l": ["a", "b", "c", "a", "d", "y"],
        "file_r": ["f.csv", "f.csv", "f.csv", "f.csv", "g.csv", "x.csv"],
        "record_id_r": ["b", "a", "a", "a", "e", "z"],
        "match_probability": 0.5,
    })
    path = tmp_path / "pairs.csv"
    pairs.to_csv(path, index=False)
    from_file = blocking_from_csv(path, truth)
    in_memory = blocking(pairs["file_l"] + "/" + pairs["record_id_l"],
                         pairs["file_r"] + "/" + pairs["record_id_r"], truth)
    assert from_file == in_memory
    # distinct non-self pairs: ab, ac, de, yz; true: ab, ac, de; true pairs: ab ac bc de = 4
    assert (from_file.candidate_pairs, from_file.true_pairs_kept, from_file.true_pairs) == (4, 3, 4)


def test_mixed_clusters_and_those_meeting_at_a_shared_office() -> None:
    # entities A, B, C; the office "1 Main St" holds 3 records (shared at 3), "9 Elm" one
    truth = pd.Series({"a1": "A", "a2": "A", "b1": "B", "c1": "C", "c2": "C"})
    address = pd.Series({"a1": "1 Main St.", "a2": "9 Elm", "b1": "1 MAIN ST", "c1": "1 main st",
                         "c2": "5 Oak"})
    # A and B joined at the office; C is right
    predicted = pd.Series({"a1": 1, "a2": 1, "b1": 1, "c1": 2, "c2": 2})
    mixed = metrics.mixed_clusters(predicted, truth, address, shared_min_records=3)
    assert (mixed.clusters, mixed.at_shared_office) == (1, 1)
    # the same merge made through the other address is mixed, not at the shared office
    address["a1"] = "9 Elm"
    mixed = metrics.mixed_clusters(predicted, truth, address, shared_min_records=3)
    assert (mixed.clusters, mixed.at_shared_office) == (1, 0)
    assert metrics.mixed_clusters(truth, truth, address).clusters == 0
