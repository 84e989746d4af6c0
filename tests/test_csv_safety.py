"""CSV injection: every CSV UBR writes for a user makes formula-like text cells inert (OWASP).

Each writer (`ubr export`, `ubr dedupe`, `ubr report contributions --format csv`) is driven with
a value of each dangerous kind (=, +, -, @, tab, carriage return), and the written file is read
back with the csv module: those cells start with a single quote, ordinary ones are unchanged.
"""

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from test_golden_helpers import canonical, fake_link, publish, valid_bn
from typer.testing import CliRunner

from registry.csv_safety import neutralise_formulas
from registry.golden_store import GoldenStore
from registry.publication import publish_registry
from registry.sharing_agreement import load_sharing, sharing_hash
from registry.store import RegistryStore
from ubr_cli.dedupe import _write_csv
from ubr_cli.main import app
from ubr_cli.report_cmd import report_app

runner = CliRunner()
# One value per character a spreadsheet would start a formula with.
DANGEROUS = {
    "equals": '=HYPERLINK("http://evil.example","click")',
    "plus": "+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "carriage_return": "\r=1+1",
}
ORDINARY = ["Harbour Bakery Ltd", "O'Brien & Sons", "Café \"Le Port\", Inc.", "-12",
            "+19025551234", "-1.5", "Jean-Paul Roofing", ""]


def read_cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def read_file(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:  # a CR inside a value stays a CR
        return list(csv.DictReader(file))


def assert_neutralised(cells: list[str]) -> None:
    """Each dangerous value appears exactly once, behind a single quote."""
    for kind, value in DANGEROUS.items():
        assert "'" + value in cells, kind
        assert value not in cells, kind


# ---- the function -------------------------------------------------------------------------

def test_only_formula_like_text_cells_get_the_quote():
    frame = pd.DataFrame({
        "text": [*DANGEROUS.values(), *ORDINARY[:2]],
        "mixed": pd.Series(["=1+1", 7, None, 2.5, "ok", "@a", "b", "c"], dtype=object),
        "score": np.array([-1.5, -2.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
        "count": np.arange(-4, 4),
        "kind": pd.Categorical(["=x", "a", "a", "a", "a", "a", "a", "a"]),
    })
    safe = neutralise_formulas(frame)
    assert safe["text"].tolist() == ["'" + v for v in DANGEROUS.values()] + ORDINARY[:2]
    assert safe["mixed"].tolist()[:2] == ["'=1+1", 7] and safe["mixed"][5] == "'@a"
    assert safe["mixed"][2] is None and safe["mixed"][3] == 2.5
    assert safe["score"].dtype == np.float64 and safe["score"][0] == -1.5
    assert safe["count"].tolist() == list(range(-4, 4))
    assert safe["kind"].tolist()[:2] == ["'=x", "a"]
    assert frame["text"][0] == DANGEROUS["equals"]  # the caller's frame is not changed


def test_plain_signed_numbers_and_ordinary_text_are_untouched():
    values = pd.Series([*ORDINARY, None, "'=already quoted"], dtype="str")
    assert neutralise_formulas(values.to_frame("v"))["v"].tolist()[:len(ORDINARY)] == ORDINARY
    # a number followed by anything else is a formula to a spreadsheet
    risky = pd.Series(["-12+1", "+1 902 555 1234", "-1e5", "-٣"], dtype=object)
    assert neutralise_formulas(risky.to_frame("v"))["v"].str.startswith("'").all()


# ---- ubr export ---------------------------------------------------------------------------

@pytest.fixture
def published_payloads(sqlite_url):
    """One revenue business per dangerous legal name, plus ordinary ones, published once.

    Canonical text is stripped, so the tab and carriage-return names arrive as '=1+1'."""
    names = [*DANGEROUS.values(), "Harbour Bakery Ltd", "-12"]
    rows = [{"source": "revenue", "source_record_id": f"{valid_bn(f'1000000{i}')}RT0001",
             "business_number": f"{valid_bn(f'1000000{i}')}RT0001",
             "business_type": "corporation", "legal_form": "Ltd", "legal_name": name,
             "phone": "+19025551234", "status": "active", "city": "Halifax"}
            for i, name in enumerate(names)]
    records = canonical(rows)
    with RegistryStore(sqlite_url) as store:
        store.migrate()
        run_id, _ = publish(GoldenStore(store), records, fake_link(records, []))
        publish_registry(store, run_id, load_sharing(), sharing_hash())
        yield sqlite_url


def export(url: str, out: Path, form: str = "csv"):
    return runner.invoke(app, ["export", "--ministry", "revenue", "--format", form, "--out",
                               str(out), "--database-url", url], catch_exceptions=False)


def test_export_csv_neutralises_published_formulas(published_payloads, tmp_path):
    result = export(published_payloads, tmp_path)
    assert result.exit_code == 0, result.output
    rows = read_file(tmp_path / "revenue_businesses_1.csv")
    names = [row["legal_name"] for row in rows]
    for kind in ("equals", "plus", "minus", "at"):
        assert "'" + DANGEROUS[kind] in names and DANGEROUS[kind] not in names, kind
    assert names.count("'=1+1") == 2  # the stripped tab and carriage-return names
    assert "Harbour Bakery Ltd" in names and "-12" in names
    assert {row["phone"] for row in rows} == {"+19025551234"}  # a phone stays a phone
    parquet = export(published_payloads, tmp_path, "parquet")
    assert parquet.exit_code == 0, parquet.output
    typed = pd.read_parquet(tmp_path / "revenue_businesses_1.parquet")
    assert DANGEROUS["equals"] in set(typed["legal_name"])  # Parquet keeps the value as it is


def test_export_csv_neutralises_every_kind_in_both_files(published_payloads, tmp_path,
                                                         monkeypatch):
    """Whatever a share holds (tab and CR included), both exported files are safe."""
    import registry.publication as publication

    real_share, real_xref = publication.read_share, publication.read_shared_cross_reference

    def share(*args, **kwargs):
        chosen, frame = real_share(*args, **kwargs)
        values = [*DANGEROUS.values(), *ORDINARY][:len(frame)]
        return chosen, frame.assign(operating_name=values)

    def xref(*args, **kwargs):
        frame = real_xref(*args, **kwargs)
        return frame.assign(source_record_id=[*DANGEROUS.values(), *ORDINARY][:len(frame)])

    monkeypatch.setattr(publication, "read_share", share)
    monkeypatch.setattr(publication, "read_shared_cross_reference", xref)
    assert export(published_payloads, tmp_path).exit_code == 0
    businesses = read_file(tmp_path / "revenue_businesses_1.csv")
    assert_neutralised([row["operating_name"] for row in businesses])
    assert [row["operating_name"] for row in businesses][6:] == ORDINARY[:2]
    cross_reference = read_file(tmp_path / "revenue_cross_reference_1.csv")
    assert_neutralised([row["source_record_id"] for row in cross_reference])
    assert len(businesses) == len(cross_reference) == 8


# ---- ubr dedupe ---------------------------------------------------------------------------

def test_dedupe_writer_neutralises_formulas(tmp_path):
    frame = pd.DataFrame({
        "file": pd.Categorical(["@list.csv"] * 6 + ["a.csv", "a.csv"]),
        "record_id": [*DANGEROUS.values(), "R-1", "-12"],
        "match_weight": np.array([-1.5, -2.25, 0.0, 1.0, 2.0, 3.0, 4.0, -12.0]),
    })
    _write_csv(frame, tmp_path / "pairs.csv")
    rows = read_file(tmp_path / "pairs.csv")
    assert_neutralised([row["record_id"] for row in rows])
    assert [row["record_id"] for row in rows][-2:] == ["R-1", "-12"]
    assert {row["file"] for row in rows} == {"'@list.csv", "a.csv"}
    assert [row["match_weight"] for row in rows][:2] == ["-1.5", "-2.25"]  # numbers stay numbers


def test_dedupe_end_to_end_neutralises_record_ids(tmp_path):
    ids = ["=1+1", "+1+1", "-1+1", "@A1", "R5", "-12"]
    frame = pd.DataFrame({
        "Id": ids,
        "Name": ["Maple Leaf Bakery Ltd.", "MAPLE LEAF BAKERY LIMITED", "Harbour Dental Clinic",
                 "Harbour Dental", "Bluenose Roofing", "Atlantic Fisheries Inc"],
        "Zip": ["B3H 1A1", "B3H1A1", "B2Y 3Z4", "B2Y3Z4", "B4N 2P1", "B0J 2E0"]})
    source = tmp_path / "sites.csv"
    frame.to_csv(source, index=False)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("id: Id\nfields: {name: Name, postal_code: Zip}\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["dedupe", "--mapping", str(mapping), "--out", str(out),
                                 str(source)])
    assert result.exit_code == 0, result.output
    written = [row["record_id"] for row in read_file(out / "clusters.csv")]
    assert sorted(written) == sorted(["'=1+1", "'+1+1", "'-1+1", "'@A1", "R5", "-12"])
    pairs = read_file(out / "pairs.csv")
    assert pairs and all(row[c][:1] not in "=+-@" or row[c] == "-12"
                         for row in pairs for c in ("record_id_l", "record_id_r"))


# ---- ubr report contributions --format csv ------------------------------------------------

def test_contribution_csv_neutralises_formulas(monkeypatch, sqlite_url, tmp_path):
    import registry.contribution as contribution

    report = pd.DataFrame({
        "source": [f"s{i}" for i in range(len(DANGEROUS) + 1)],
        "ministry": [*DANGEROUS.values(), "Registry of Joint Stock Companies"],
        "quarantine_rate": [-0.5, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5],
    })
    monkeypatch.setattr(contribution, "contribution_report", lambda *a, **k: report)
    cli = typer.Typer()
    cli.add_typer(report_app, name="report")
    for out in (None, tmp_path / "report.csv"):
        args = ["report", "contributions", "--format", "csv", "--database-url", sqlite_url]
        result = runner.invoke(cli, args + (["--out", str(out)] if out else []))
        assert result.exit_code == 0, result.output
        rows = read_file(out) if out else read_cells(result.stdout)
        assert_neutralised([row["ministry"] for row in rows])
        assert rows[-1]["ministry"] == "Registry of Joint Stock Companies"
        assert rows[0]["quarantine_rate"] == "-0.5"
