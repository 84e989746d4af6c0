"""GX Data Docs open offline and their status says what UBR said (issue 17).

One GX run per verdict (GX is slow): a clean batch (passed), a batch whose only failures are
warnings (passed with warnings) and the crafted batch of test_expectations_validate, which
quarantines half its rows (failed).
"""

import base64
import hashlib
import html
import json
import re
from pathlib import Path

import great_expectations
import pandas as pd
import pytest
from test_expectations_validate import BASE, PERSONAL_NAME, SIN_FORMS, TODAY, crafted_frame

from canonical.schema import conform
from expectations.catalogue import build_checks
from expectations.gx_runner import import_gx
from expectations.offline_docs import ASSETS_DIR, VENDOR_DIR, remote_to_site_path, rewrite_file
from expectations.settings import load_expectation_settings
from expectations.suites import build_suite
from expectations.synthetic import synthetic_config
from expectations.validate import ValidationOutcome, validate_source
from expectations.verdict import Verdict

WARNINGS_ONLY = {  # id -> overrides of BASE; each row fails warning expectations only
    "phone_bad": {"phone": "555-0100"},
    "legal_form_bad": {"legal_form": "Gmbh"},
    "email_bad": {"email": "info at bluenose"},
    "sin_permit": {"permit_number": "046 454 286"},
    "personal_warning": {"owner_name": PERSONAL_NAME, "owner_postal_code": "nope"},
}
GX_TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
REMOTE = re.compile(r"""(?:src|href)=["'](https?://[^"']+)""", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)""", re.IGNORECASE)


def _frame(cases: dict[str, dict]) -> pd.DataFrame:
    base = {**BASE, "program_accounts": "RT0001"}  # every mapped field set somewhere
    rows = [{**base, **overrides, "source_record_id": name} for name, overrides in cases.items()]
    frame = pd.DataFrame(rows)
    frame["source_line"] = range(2, len(frame) + 2)
    return conform(frame)


FRAMES = {
    Verdict.PASSED: lambda: _frame({f"ok{i}": {} for i in range(5)}),
    Verdict.PASSED_WITH_WARNINGS: lambda: _frame({"ok": {}, **WARNINGS_ONLY}),
    Verdict.FAILED: crafted_frame,
}


@pytest.fixture(scope="module", params=list(FRAMES), ids=lambda v: v.value.replace(" ", "_"))
def run(request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory) -> tuple[Verdict, ValidationOutcome, Path]:
    config = synthetic_config("demo")
    docs = tmp_path_factory.mktemp("data_docs") / "run-1"
    outcome = validate_source(FRAMES[request.param](), config, data_docs_dir=docs, today=TODAY,
                              raw_columns=[f.upper() for f in config.mapping.values()] + ["ID"])
    return request.param, outcome, docs / "demo"


def _text(page: Path) -> str:
    """What a reader sees: tags, scripts and styles removed, entities decoded."""
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text("utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


def _validation_page(site: Path) -> Path:
    (page,) = (site / "validations").rglob("*.html")
    return page


def _pages(site: Path) -> list[Path]:
    return [p for p in site.rglob("*") if p.suffix in (".html", ".css")]


def test_ubr_verdict(run: tuple[Verdict, ValidationOutcome, Path]) -> None:
    expected, outcome, _ = run
    assert outcome.verdict is not None and outcome.verdict.verdict is expected
    assert outcome.batch_passed is (expected is not Verdict.FAILED)
    said = "batch FAILED (" if expected is Verdict.FAILED else f"batch {expected};"
    assert said in outcome.summary_text


def test_page_status_is_ubr_verdict(run: tuple[Verdict, ValidationOutcome, Path]) -> None:
    expected, outcome, site = run
    status = re.search(r"Status: (Passed with warnings|Passed|Failed|Succeeded)",
                       _text(_validation_page(site)))
    assert status is not None and status.group(1) == expected.value.capitalize()
    assert outcome.verdict is not None and outcome.verdict.detail in _text(_validation_page(site))


def test_failed_warnings_show_as_warnings(run: tuple[Verdict, ValidationOutcome, Path]) -> None:
    expected, outcome, site = run
    page = _validation_page(site).read_text("utf-8")
    failed = [r for r in outcome.expectation_results if not r["success"]]
    warnings = sum(r["severity"] == "warning" for r in failed)
    rows = re.search(r"of which warnings \(rows flagged, kept\) (\d+)",
                     _text(_validation_page(site)))
    assert rows is not None and int(rows.group(1)) == warnings
    if expected is Verdict.PASSED_WITH_WARNINGS:
        assert warnings == len(failed) >= 4
        assert "fa-times text-danger" not in page  # no red cross anywhere on the page
        assert page.count("fa-exclamation-triangle text-warning") >= warnings
    if expected is Verdict.PASSED:
        assert not failed and "fa-exclamation-triangle" not in page


def test_index_agrees(run: tuple[Verdict, ValidationOutcome, Path]) -> None:
    expected, _, site = run
    index = (site / "index.html").read_text("utf-8")
    icon = "ge-failed-icon" if expected is Verdict.FAILED else "ge-success-icon"
    other = "ge-success-icon" if expected is Verdict.FAILED else "ge-failed-icon"
    assert icon in index and other not in index


def test_no_remote_script_style_or_font(run: tuple[Verdict, ValidationOutcome, Path]) -> None:
    _, _, site = run
    pages = _pages(site)
    assert any(p.name == "index.html" for p in pages)
    for page in pages:
        text = page.read_text("utf-8")
        for tag in re.findall(r"<[a-z]+\b[^>]*>", text, flags=re.I):
            if REMOTE.search(tag):
                assert tag.lower().startswith("<a "), f"{page}: {tag}"
        for url in CSS_URL.findall(text):
            assert not url.lower().startswith(("http:", "https:", "//")), f"{page}: {url}"
        assert "@import" not in text, page


def test_every_local_asset_exists(run: tuple[Verdict, ValidationOutcome, Path]) -> None:
    _, _, site = run
    checked = 0
    for page in _pages(site):
        text = page.read_text("utf-8")
        refs = CSS_URL.findall(text)
        if page.suffix == ".html":
            tags = re.findall(r"<(?:script|link|img)\b[^>]*>", text, flags=re.I)
            refs += [m for t in tags for m in re.findall(r"""(?:src|href)=["']([^"']+)""", t)]
        for ref in refs:
            if ref.startswith(("data:", "#")):
                continue
            target = (page.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.is_file() and target.is_relative_to(site.resolve()), f"{page}: {ref}"
            checked += 1
    assert checked > 20


def test_no_personal_value_or_sin(run: tuple[Verdict, ValidationOutcome, Path]) -> None:
    _, _, site = run
    for path in site.rglob("*"):
        if path.suffix in (".html", ".json") and not path.is_relative_to(site / VENDOR_DIR):
            text = path.read_text("utf-8").replace("123026635", "")
            for value in (PERSONAL_NAME, "nope", "info at bluenose", *SIN_FORMS):
                assert value not in text, f"{path}: a personal value or SIN"


def test_shipped_assets_are_the_cdn_files() -> None:
    """Every CDN file GX's templates name is shipped, byte for byte (sha256 from `npm pack`,
    and GX's own subresource-integrity hashes where its templates give one), with a licence."""
    manifest = json.loads((ASSETS_DIR / "manifest.json").read_text("utf-8"))["assets"]
    for asset in manifest:
        data = (ASSETS_DIR / asset["local"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == asset["sha256"], asset["local"]
        assert (ASSETS_DIR / asset["local"].split("/")[0] / "LICENSE").is_file()
    local = {a["url"]: ASSETS_DIR / a["local"] for a in manifest if a["url"]}
    named = 0
    for template in GX_TEMPLATES.glob("*.j2"):
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", template.read_text("utf-8")):
            url = REMOTE.search(tag)
            if url is None:
                continue
            named += 1
            assert url.group(1) in remote_to_site_path(), f"{template.name}: {url.group(1)}"
            sri = re.search(r'integrity="sha384-([^"]+)"', tag)
            if sri:
                digest = hashlib.sha384(local[url.group(1)].read_bytes()).digest()
                assert base64.b64encode(digest).decode() == sri.group(1)
    assert named >= 15


def test_unknown_cdn_reference_is_dropped(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text(
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js" integrity="sha384-x" '
        'crossorigin="anonymous"></script>\n<script src="https://cdn.example/new.js"></script>'
        '\n<a href="https://greatexpectations.io">GX</a>', encoding="utf-8")
    assert rewrite_file(page, tmp_path)
    assert page.read_text("utf-8") == (
        f'<script src="{VENDOR_DIR}/jquery@3.7.1/dist/jquery.min.js"></script>\n'
        '\n<a href="https://greatexpectations.io">GX</a>')


def test_gx_severity_follows_ubr() -> None:
    """GX's own `severity` field says what UBR's does (GX's notification actions read it)."""
    checks = build_checks(load_expectation_settings().for_source("demo"))
    suite = build_suite(import_gx(), "s", checks)
    severities = {e.meta["ubr_check"]: str(e.severity.value) for e in suite.expectations}
    assert severities == {c.name: "warning" if c.severity == "warning" else "critical"
                          for c in checks}
