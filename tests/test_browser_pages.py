"""The model report and the Data Docs as a reader sees them: in Chromium, with no network.

Each page is opened from its file with every http(s) request refused; it must ask for none,
draw its charts or its styled layout, and log no error. Screenshots go to docs/images with
`make screenshots` (shown in the README).
"""

from pathlib import Path

import pandas as pd
from browser import chromium_page, offline, screenshot_dir
from test_expectations_validate import BASE, TODAY
from typer.testing import CliRunner

from canonical.schema import conform
from expectations.synthetic import synthetic_config
from expectations.validate import validate_source
from ubr_cli.main import app

SITES = Path(__file__).resolve().parents[1] / "examples" / "sites"


def _invoke(*args: str) -> None:
    run = CliRunner().invoke(app, list(args))
    assert run.exit_code == 0, run.output


def _errors(page) -> list[str]:  # noqa: ANN001 - a Playwright page
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_the_model_report_draws_its_charts_offline(tmp_path):
    out, folder = tmp_path / "dedupe", tmp_path / "report"
    _invoke("dedupe", "--mapping", str(SITES / "mapping.yaml"), "--out", str(out),
            "--workers", "1", str(SITES / "sites_a.csv"), str(SITES / "sites_b.csv"))
    _invoke("report", "model", "--from-dedupe", str(out), "--out", str(folder))
    with chromium_page(1280, 1300) as page:
        refused, errors = offline(page), _errors(page)
        page.goto((folder / "model_report.html").as_uri())
        charts = page.locator("svg")
        assert charts.count() >= 6
        for index in range(charts.count()):  # every chart laid out with a size of its own
            box = charts.nth(index).bounding_box()
            assert box and box["width"] > 100 and box["height"] > 50, index
        assert page.locator("svg rect").count() > 20  # bars drawn, not empty frames
        # the first screen (headline, precision and recall, weights): the page is ~8,000 px
        page.screenshot(path=str(screenshot_dir(tmp_path) / "model-report.png"))
    assert refused == [] and errors == []


def test_data_docs_open_styled_offline_with_ubrs_verdict(tmp_path):
    rows = [{**BASE, "program_accounts": "RT0001", "source_record_id": "ok"},
            {**BASE, "program_accounts": "RT0001", "source_record_id": "phone_bad",
             "phone": "555-0100"}]
    frame = pd.DataFrame(rows).assign(source_line=[2, 3])
    config = synthetic_config("demo")
    docs = tmp_path / "data_docs" / "run-1"
    validate_source(conform(frame), config, data_docs_dir=docs, today=TODAY,
                    raw_columns=[f.upper() for f in config.mapping.values()] + ["ID"])
    (page_file,) = (docs / "demo" / "validations").rglob("*.html")
    with chromium_page(1400, 1000) as page:
        refused = offline(page)
        failed: list[str] = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        assert "Passed with warnings" in page.inner_text("body")
        # Bootstrap's stylesheet arrived: its navbar is a flex box, unstyled HTML is not
        display = page.evaluate(
            "getComputedStyle(document.querySelector('nav, .navbar')).display")
        assert display == "flex"
        page.screenshot(path=str(screenshot_dir(tmp_path) / "data-docs.png"))
    assert refused == []
    assert [url for url in failed if url.startswith("file:")] == []
