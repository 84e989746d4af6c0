"""The model report of a pipeline run: the matching asset writes it beside the run's model and
carries its path and headline figures in its Dagster metadata, and `ubr report model` makes
it again from the registry (default: the latest run) with the same figures."""

import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from conftest import TEST_SHARING_SECRETS
from model_report_helpers import common_values, parse_report
from typer.testing import CliRunner

from pipelines.definitions import JOB_NAME, build_definitions
from registry.store import RegistryStore
from sources.demo import generate_demo_registers
from ubr_cli.main import app


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    data, home = tmp / "data", tmp / "home"
    url = f"sqlite:///{tmp / 'registry.sqlite'}"
    generate_demo_registers(data, businesses=300, seed=4)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UBR_DATA_DIR", str(data))
        patch.setenv("UBR_DATABASE_URL", url)
        patch.setenv("UBR_HOME", str(home))
        for name, value in TEST_SHARING_SECRETS.items():  # module scope: set here
            patch.setenv(name, value)
        with dg.DagsterInstance.ephemeral() as instance:
            result = build_definitions().resolve_job_def(JOB_NAME).execute_in_process(
                instance=instance, raise_on_error=False)
    assert result.success
    return result, url, home, data


def test_the_matching_asset_links_its_report_and_headline_figures(pipeline_run) -> None:
    result, url, home, _ = pipeline_run
    metadata = result.asset_materializations_for_node("record_matches")[0].metadata
    path = Path(metadata["model_report"].value)
    assert path == home / "runs" / result.run_id / "model_report.html" and path.is_file()
    assert metadata["model_report_url"].value == path.resolve().as_uri()
    headline = metadata["model_report_headline"].value
    for key in ("records", "candidate_pairs", "match_pairs", "review_pairs", "businesses"):
        assert headline[key] == metadata[key].value, key
    assert headline["estimated_precision"] == metadata["estimated_quality"].value["precision"]
    assert 0 < headline["lambda"] < 1
    parsed = parse_report(path)
    assert parsed.figures["match pairs"] == f"{headline['match_pairs']:,}"
    assert sum(parsed.steps) == pytest.approx(parsed.totals[0], abs=1e-3)


def test_ubr_report_model_reads_the_latest_run_from_the_registry(pipeline_run, tmp_path,
                                                                 monkeypatch) -> None:
    result, url, home, data = pipeline_run
    monkeypatch.setenv("UBR_DATABASE_URL", url)
    monkeypatch.setenv("UBR_HOME", str(home))
    run = CliRunner().invoke(app, ["report", "model", "--out", str(tmp_path / "latest")])
    assert run.exit_code == 0, run.output
    report = tmp_path / "latest" / "model_report.html"
    parsed = parse_report(report)
    summary = RegistryStore(url).find_dagster_run(result.run_id)["summary"]
    assert parsed.figures["records"] == f"{summary['records']:,}"
    assert parsed.figures["match pairs"] == f"{summary['match_pairs']:,}"
    assert parsed.figures["review pairs"] == f"{summary['review_pairs']:,}"
    assert parsed.figures["businesses (clusters)"] == f"{summary['businesses']:,}"
    model = json.loads((home / "runs" / result.run_id / "model.json").read_text())
    assert parsed.comparisons == list(model["m"])
    assert sum(parsed.steps) == pytest.approx(parsed.totals[0], abs=1e-3)
    # the waterfall's pair is a stored match or review pair, named by its record keys
    assert ":" in parsed.pair["data-pair-left"] and ":" in parsed.pair["data-pair-right"]
    text = report.read_text(encoding="utf-8")
    values = common_values(home / "runs" / result.run_id / "model.json")
    # the joint-stock register: legal names, owners' names and addresses
    frame = pd.read_csv(data / "rjsc" / "companies.csv", dtype=str, keep_default_na=False)
    personal = [c for c in frame.columns if "Name" in c or "Address" in c]
    assert "Owner Name" in personal and "Owner Address" in personal
    for column in personal:
        values |= {v for v in frame[column] if len(v) >= 8}
    keys = parsed.pair["data-pair-left"] + " " + parsed.pair["data-pair-right"]
    # record keys may show (a company number is one); no other value may
    assert values and not [v for v in values if v in text and v not in keys]
    assert "http://" not in text and "https://" not in text
    # the Dagster run id names the same run
    again = CliRunner().invoke(app, ["report", "model", "--run-id", result.run_id,
                                     "--out", str(tmp_path / "by_id")])
    assert again.exit_code == 0, again.output
    assert parse_report(tmp_path / "by_id" / "model_report.html").figures == parsed.figures


def test_an_unknown_run_is_a_sentence(pipeline_run, tmp_path, monkeypatch) -> None:
    _, url, home, _ = pipeline_run
    monkeypatch.setenv("UBR_DATABASE_URL", url)
    monkeypatch.setenv("UBR_HOME", str(home))
    run = CliRunner().invoke(app, ["report", "model", "--run-id", "no-such-run",
                                   "--out", str(tmp_path)])
    assert run.exit_code == 1 and "no registry run or Dagster run with id" in run.output
