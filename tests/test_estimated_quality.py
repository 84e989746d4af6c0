"""The model's own estimate of precision and recall (no labels), the weak-mapping warning, and
the README's example, which runs as written on the data shipped in examples/sites."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matching.estimated_quality import (
    EstimatedQuality,
    estimate_quality,
    weak_mapping_warning,
)
from matching.pair_evidence import DECISIONS, RULES_ALL

REPO = Path(__file__).resolve().parents[1]


def _scored(rows: list[tuple[int, int, float, str, str]]) -> pd.DataFrame:
    i, j, p, rule, decision = zip(*rows, strict=True)
    return pd.DataFrame({"i": i, "j": j, "match_probability": p,
                         "rule": pd.Categorical(rule, categories=RULES_ALL),
                         "decision": pd.Categorical(decision, categories=DECISIONS)})


def test_precision_and_recall_are_the_probabilities_summed_as_the_engine_decides() -> None:
    scored = _scored([
        (0, 1, 0.99, "", "match"),
        (2, 3, 0.97, "", "match"),
        (4, 5, 0.60, "", "review"),
        (6, 7, 0.10, "", "non_match"),
        (8, 9, 0.20, "same_bn", "match"),          # a rule's match counts as certain
        (10, 11, 0.90, "different_bn", "non_match"),  # a cannot-link counts as none
    ])
    weights = np.ones(13)
    weights[12] = 3  # three identical records: three pairs matched by construction
    quality = estimate_quality(scored, weights)
    found = 0.99 + 0.97 + 1.0 + 3
    expected = found + 0.60 + 0.10
    assert quality.precision == pytest.approx(found / 6)
    assert quality.recall == pytest.approx(found / expected)
    assert quality.recall_with_review == pytest.approx((found + 0.6) / expected)
    assert quality.expected_matches == pytest.approx(expected)


def test_a_representative_pair_counts_every_record_pair_it_stands_for() -> None:
    scored = _scored([(0, 1, 0.5, "", "review"), (2, 3, 1.0, "", "match")])
    quality = estimate_quality(scored, np.array([2.0, 2.0, 1.0, 1.0]))
    # 0 and 1 stand for two records each: 4 review pairs at 0.5, plus 1 + 1 identical pairs
    assert quality.expected_matches == pytest.approx(4 * 0.5 + 1.0 + 2)
    assert quality.recall == pytest.approx(3 / 5)


def test_the_warning_names_the_fields_that_would_help_only_when_the_estimate_is_poor() -> None:
    good = EstimatedQuality(precision=0.99, recall=0.95, recall_with_review=0.97,
                            expected_matches=100)
    assert weak_mapping_warning(good, ["city"]) is None
    weak = EstimatedQuality(precision=0.99, recall=0.6, recall_with_review=0.7,
                            expected_matches=100)
    text = weak_mapping_warning(weak, ["city", "business_number"])
    assert text is not None and "60%" in text and "city, business_number" in text


def test_the_readme_example_runs_as_written_and_reports_its_estimate(tmp_path: Path) -> None:
    sites = REPO / "examples" / "sites"
    ubr = Path(sys.executable).with_name("ubr")
    run = subprocess.run(
        [str(ubr), "dedupe", "--mapping", str(sites / "mapping.yaml"), "--out",
         str(tmp_path / "out"), str(sites / "sites_a.csv"), str(sites / "sites_b.csv")],
        capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "the model's own estimate" in run.stdout
    clusters = pd.read_csv(tmp_path / "out" / "clusters.csv", dtype=str)
    assert len(clusters) == 3337 and clusters["cluster_id"].nunique() < 2000
    model = json.loads((tmp_path / "out" / "model.json").read_text())
    assert 0.5 < model["estimated_quality"]["precision"] <= 1.0
    assert 0.5 < model["estimated_quality"]["recall"] <= 1.0
