"""The model report and the Data Docs as a reader sees them: in Chromium, with no network.

Each page is opened from its file with every http(s) request refused; it must ask for none,
draw its charts or its styled layout, and log no error. Screenshots go to docs/images with
`make screenshots` (shown in the README).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
from browser import chromium_page, offline, screenshot_dir
from served_registry import free_port, wait_until_answers
from test_expectations_validate import BASE, TODAY
from typer.testing import CliRunner

from canonical.schema import conform
from expectations.synthetic import synthetic_config
from expectations.validate import validate_source
from ubr_cli.main import app

REPO = Path(__file__).resolve().parents[1]
SITES = REPO / "examples" / "sites"
STAGES = ["ingestion", "validation", "canonical", "matching", "golden", "publication"]


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


def test_the_dagster_ui_opens_with_no_pop_up_and_its_groups_in_data_flow_order(tmp_path):
    """The webserver as `make ui` starts it, on the instance template: no community pop-up
    over the page, and the lineage graph draws the groups left to right as data flows."""
    home = tmp_path / "dagster_home"
    home.mkdir(mode=0o700)
    shutil.copy(REPO / "dagster_home_template" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UBR_")}
    env.update(DAGSTER_HOME=str(home), UBR_HOME=str(tmp_path / "ubr"))
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-webserver")), "-w", "workspace.yaml",
         "-h", "127.0.0.1", "-p", str(port)], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{base}/server_info", server, "the Dagster UI")
        with chromium_page(1400, 900) as page:
            page.goto(f"{base}/asset-groups", wait_until="networkidle")
            page.wait_for_selector("text=publication", timeout=60_000)
            page.wait_for_timeout(2_000)  # a pop-up would have opened by now
            assert page.locator("[role=dialog]").count() == 0
            right = []  # each group's node in the graph: the rightmost of its labels
            for stage in STAGES:
                boxes = [page.locator(f"text='{stage}'").nth(k).bounding_box()
                         for k in range(page.locator(f"text='{stage}'").count())]
                right.append(max(box["x"] for box in boxes if box))
            assert right == sorted(right), dict(zip(STAGES, right, strict=True))
            page.screenshot(path=str(screenshot_dir(tmp_path) / "dagster-lineage.png"))
    finally:
        server.terminate()
        server.wait(timeout=30)
