"""Labelled pairs: m blended with the labelled matches, a threshold the labels choose, the
pairs to label next, and `ubr dedupe --propose / --labels` on the sites of examples/sites."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from matching.comparisons import compile_comparisons
from matching.labels import (
    LabelError,
    LabelledLevels,
    labelled_threshold,
    most_informative,
    supervised_m,
    verdicts,
)
from matching.model import TrainedModel, load_settings
from ubr_cli.main import app

SITES = Path(__file__).resolve().parents[1] / "examples" / "sites"


def test_m_moves_toward_the_labelled_matches_by_their_weight_against_the_prior() -> None:
    comparisons = compile_comparisons(load_settings().comparisons)
    m = [np.array(c.starting_m) for c in comparisons]
    top = comparisons[0].n_levels - 1
    matrix = np.full((30, len(comparisons)), -1)
    matrix[:20, 0] = top  # 20 labelled matches at the name's best level
    matrix[20:, 0] = 0  # 10 labelled non-matches at its worst: they do not count for m
    blended = supervised_m(m, LabelledLevels(matrix, np.arange(30) < 20), comparisons, 20.0)
    assert blended[0][top] == pytest.approx((20 + 20 * m[0][top]) / 40)
    assert blended[0].sum() == pytest.approx(1.0)
    for c in range(1, len(comparisons)):  # no labelled match carries them: EM's m stands
        np.testing.assert_allclose(blended[c], m[c])


def test_the_threshold_maximises_f1_over_the_labels_and_needs_ten_of_each() -> None:
    p = np.array([0.99] * 12 + [0.7] * 3 + [0.6] * 10 + [0.2] * 5)
    y = np.array([True] * 12 + [True] * 3 + [False] * 10 + [False] * 5)
    assert labelled_threshold(p, y) == pytest.approx(0.65)  # between 0.7 and 0.6
    assert labelled_threshold(p[:20], y[:20]) is None  # 5 non-matches only


def test_the_pairs_to_label_are_the_least_sure_with_no_record_twice() -> None:
    pairs = pd.DataFrame({"record_key_l": ["a", "a", "c", "e", "g"],
                          "record_key_r": ["b", "x", "d", "f", "h"],
                          "match_probability": [0.5, 0.52, 0.9, 0.01, 0.45]})
    chosen = most_informative(pairs, 3, labelled={("g", "h")})
    assert chosen["record_key_l"].tolist() == ["a", "c", "e"]  # a-x shares a, g-h labelled


def test_verdicts_read_the_usual_words_and_name_the_row_of_anything_else() -> None:
    assert verdicts(pd.Series(["1", "yes", "No", "match", "different"]), "f").tolist() == [
        True, True, False, True, False]
    with pytest.raises(LabelError, match="labels.csv, row 3: the match column"):
        verdicts(pd.Series(["yes", "maybe"]), "labels.csv")


def _dedupe(out: Path, *extra: str) -> str:
    run = CliRunner().invoke(app, ["dedupe", "--mapping", str(SITES / "mapping.yaml"),
                                   "--out", str(out), "--workers", "1", *extra,
                                   str(SITES / "sites_a.csv"), str(SITES / "sites_b.csv")])
    assert run.exit_code == 0, run.output
    return run.output


def test_propose_then_label_then_run_again(tmp_path: Path) -> None:
    first = tmp_path / "first"
    said = _dedupe(first, "--propose", "30")
    assert "proposed 30 pairs to label" in said
    proposed = pd.read_csv(first / "to_label.csv", dtype=str, keep_default_na=False)
    assert len(proposed) == 30 and (proposed["match"] == "").all()
    records = pd.concat([proposed[["file_l", "record_id_l"]].set_axis(["f", "r"], axis=1),
                         proposed[["file_r", "record_id_r"]].set_axis(["f", "r"], axis=1)])
    assert not records.duplicated().any()  # each record once
    probability = proposed["match_probability"].astype(float)
    assert probability.between(0.01, 0.99).all()  # uncertain ones, not sure matches
    # a person says: the likelier half are matches
    proposed["match"] = np.where(probability >= probability.median(), "yes", "no")
    labels = tmp_path / "labels.csv"
    proposed.to_csv(labels, index=False)
    second = tmp_path / "second"
    said = _dedupe(second, "--labels", str(labels), "--propose", "30")
    model = TrainedModel.load(second / "model.json")
    assert model.labels["pairs"] == 30
    assert model.labels["matches"] == int((proposed["match"] == "yes").sum())
    assert "m refined by" in said
    again = pd.read_csv(second / "to_label.csv", dtype=str)
    asked = set(zip(proposed["record_id_l"], proposed["record_id_r"], strict=True))
    assert not asked & set(zip(again["record_id_l"], again["record_id_r"], strict=True))
    first_model = TrainedModel.load(first / "model.json")
    assert model.m != first_model.m  # the labelled matches moved m


def test_a_bad_labels_file_is_refused_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "labels.csv"
    bad.write_text("file_l,record_id_l,file_r,record_id_r\n")
    run = CliRunner().invoke(app, ["dedupe", "--mapping", str(SITES / "mapping.yaml"),
                                   "--out", str(tmp_path / "out"), "--labels", str(bad),
                                   str(SITES / "sites_a.csv"), str(SITES / "sites_b.csv")])
    assert run.exit_code == 1 and "missing column(s) match" in run.output
