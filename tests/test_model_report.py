"""`ubr report model --from-dedupe`: the model report of a `ubr dedupe` run on the sites shipped
in examples/sites, read back with an HTML parser: every comparison with its levels, the
charts, a waterfall that adds up to the pair's match weight, nothing fetched from outside the
file, no record value."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from model_report_helpers import common_values, parse_report
from typer.testing import CliRunner

from matching.score_summary import threshold_curve, weight_of
from ubr_cli.main import app

REPO = Path(__file__).resolve().parents[1]
SITES = REPO / "examples" / "sites"


def _invoke(*args: str) -> str:
    run = CliRunner().invoke(app, list(args))
    assert run.exit_code == 0, run.output
    return run.output


@pytest.fixture(scope="module")
def dedupe_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sites") / "out"
    _invoke("dedupe", "--mapping", str(SITES / "mapping.yaml"), "--out", str(out),
            "--workers", "1", str(SITES / "sites_a.csv"), str(SITES / "sites_b.csv"))
    return out


@pytest.fixture(scope="module")
def report(dedupe_out, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    output = _invoke("report", "model", "--from-dedupe", str(dedupe_out), "--out", str(folder))
    assert "model_report.html" in output
    return folder / "model_report.html"


def _model(dedupe_out: Path) -> dict:
    return json.loads((dedupe_out / "model.json").read_text(encoding="utf-8"))


def test_every_comparison_appears_with_its_levels_table_and_chart(dedupe_out, report) -> None:
    parsed = parse_report(report)
    model = _model(dedupe_out)
    assert parsed.comparisons == list(model["m"])
    for name, levels in model["m"].items():
        assert parsed.level_cells[name] == list(reversed(list(levels))), name  # best first
    assert parsed.charts.count("grouped_bars") == len(model["m"])
    assert {"lines", "histogram", "waterfall", "bars", "blocking_recall"} <= set(parsed.charts)


def test_the_waterfall_adds_up_to_the_pairs_match_weight(dedupe_out, report) -> None:
    parsed = parse_report(report)
    model = _model(dedupe_out)
    assert len(parsed.steps) == 1 + len(model["m"])  # the prior, then each comparison
    assert sum(parsed.steps) == pytest.approx(parsed.totals[0], abs=1e-3)
    pairs = pd.read_csv(dedupe_out / "pairs.csv", dtype=str, keep_default_na=False)
    keys = pairs["file_l"] + ":" + pairs["record_id_l"] + "," + pairs["file_r"] + ":" \
        + pairs["record_id_r"]
    row = pairs[keys == f"{parsed.pair['data-pair-left']},{parsed.pair['data-pair-right']}"]
    assert len(row) == 1
    weight = float(row["match_weight"].iloc[0])
    assert parsed.totals[0] == pytest.approx(weight, abs=2e-3)  # pairs.csv rounds to 4 places
    # the representative pair is the one nearest the auto-match threshold
    scored = pairs[(pairs["match_weight"] != "") & (pairs["rule"] == "")]
    threshold = weight_of(model["thresholds"]["auto_match"])
    nearest = np.abs(scored["match_weight"].astype(float) - threshold).min()
    assert abs(weight - threshold) == pytest.approx(nearest, abs=1e-3)


def test_pair_option_explains_the_pair_asked_for(dedupe_out, tmp_path) -> None:
    pairs = pd.read_csv(dedupe_out / "pairs.csv", dtype=str, keep_default_na=False)
    scored = pairs[pairs["match_weight"] != ""]
    row = scored.loc[scored["match_weight"].astype(float).idxmax()]  # not the one shown first
    wanted = f"{row['file_r']}:{row['record_id_r']},{row['file_l']}:{row['record_id_l']}"
    _invoke("report", "model", "--from-dedupe", str(dedupe_out), "--out", str(tmp_path),
            "--pair", wanted)  # either order
    parsed = parse_report(tmp_path / "model_report.html")
    assert parsed.pair["data-pair-left"] == f"{row['file_l']}:{row['record_id_l']}"
    assert sum(parsed.steps) == pytest.approx(float(row["match_weight"]), abs=2e-3)
    run = CliRunner().invoke(app, ["report", "model", "--from-dedupe", str(dedupe_out),
                                   "--out", str(tmp_path), "--pair", "nope,never"])
    assert run.exit_code == 1 and "no scored pair nope,never" in run.output


def test_the_page_loads_nothing_from_outside_the_file(report) -> None:
    parsed = parse_report(report)
    text = report.read_text(encoding="utf-8")
    assert not [link for link in parsed.links if re.match(r"\s*(https?:)?//", link[2])]
    assert not {"script", "link", "img", "iframe", "object"} & parsed.tags
    assert "@import" not in text and "url(" not in text and "http://" not in text \
        and "https://" not in text


def test_no_record_value_is_in_the_report(dedupe_out, report) -> None:
    text = report.read_text(encoding="utf-8")
    values: set[str] = common_values(dedupe_out / "model.json")
    assert values  # the model keeps common names and phones: the report must not show them
    for name in ("sites_a.csv", "sites_b.csv"):
        frame = pd.read_csv(SITES / name, dtype=str, keep_default_na=False)
        for column in ("Site name", "Address", "Phone"):
            values |= {v.strip() for v in frame[column] if len(v.strip()) >= 8}
    shown = [v for v in values if v in text]
    assert not shown, shown[:5]


def test_headline_figures_are_the_runs_own(dedupe_out, report) -> None:
    parsed = parse_report(report)
    model = _model(dedupe_out)
    blocking = json.loads((dedupe_out / "blocking.json").read_text())
    clusters = pd.read_csv(dedupe_out / "clusters.csv", dtype=str)
    decisions = model["score_summary"]["decisions"]
    assert parsed.figures["records"] == f"{blocking['records']:,}"
    assert parsed.figures["candidate pairs"] == f"{blocking['candidate_pairs']:,}"
    assert parsed.figures["match pairs"] == f"{decisions['match']:,}"
    assert parsed.figures["review pairs"] == f"{decisions['review']:,}"
    assert parsed.figures["businesses (clusters)"] == f"{clusters['cluster_id'].nunique():,}"
    quality = model["estimated_quality"]
    assert parsed.figures["estimated precision"] == f"{100 * quality['precision']:.1f}%"
    assert parsed.figures["estimated recall"] == f"{100 * quality['recall']:.1f}%"


def test_the_threshold_curve_gives_the_runs_own_estimate_at_the_threshold(dedupe_out) -> None:
    model = _model(dedupe_out)
    summary = model["score_summary"]
    # every record pair is in the summary once: scored in a bin, or identical
    assert sum(summary["record_pairs"]) + summary["identical_pairs"] == pytest.approx(
        sum(summary["decisions"].values()))
    curve = threshold_curve(summary)
    threshold = weight_of(model["thresholds"]["auto_match"])
    at = curve[np.isclose(curve["match_weight"], threshold, atol=1e-5)].iloc[0]
    assert at["precision"] == pytest.approx(model["estimated_quality"]["precision"], abs=1e-4)
    assert at["recall"] == pytest.approx(model["estimated_quality"]["recall"], abs=1e-4)
    assert curve["recall"].is_monotonic_decreasing
    rules = summary["blocking_rules"]
    found = sum(r["expected_auto_matches"] for r in rules)
    assert all(r["expected_auto_matches"] <= r["expected_auto_matches_generated"] + 1e-6
               <= found + 1e-3 for r in rules)  # a rule generates what it found first, or more


def test_a_folder_that_is_not_a_dedupe_output_is_a_sentence(tmp_path) -> None:
    run = CliRunner().invoke(app, ["report", "model", "--from-dedupe", str(tmp_path),
                                   "--out", str(tmp_path / "r")])
    assert run.exit_code == 1
    assert "is not the output of `ubr dedupe --out`" in run.output and "model.json" in run.output
