"""The demo generator: reproducible bytes, readable registers, an answer key that covers them."""

import hashlib
import json
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sources.config import load_sources
from sources.demo import generate as generate_module
from sources.demo import generate_demo_registers

CONFIG = Path(__file__).resolve().parents[1] / "config" / "sources.yaml"
N = 300


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_demo_registers(out, businesses=N, seed=7)
    return out


def _raw_rows(source: str, out: Path) -> pd.DataFrame:
    """Each register read back with plain tools, every value as text."""
    if source == "rjsc":
        return pd.read_csv(out / "rjsc" / "companies.csv", dtype=str, encoding="utf-8",
                           keep_default_na=False)
    if source == "wcb":
        with sqlite3.connect(out / "wcb" / "employers.sqlite") as connection:
            return pd.read_sql("SELECT * FROM employer_accounts", connection).astype(str)
    if source == "revenue":
        lines = (out / "revenue" / "registrants.jsonl").read_text(encoding="latin-1")
        return pd.DataFrame([json.loads(line) for line in lines.splitlines()])
    workbook = openpyxl.load_workbook(out / "permits" / "permis.xlsx", read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    generate_demo_registers(tmp_path / "a", businesses=N, seed=11)
    generate_demo_registers(tmp_path / "b", businesses=N, seed=11)
    generate_demo_registers(tmp_path / "c", businesses=N, seed=12)
    first, second, other = (_digests(tmp_path / d) for d in "abc")
    assert first == second
    assert len(first) == 6
    assert first["rjsc/companies.csv"] != other["rjsc/companies.csv"]


def test_layout_and_manifest(demo: Path) -> None:
    manifest = json.loads((demo / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 7 and manifest["businesses"] == N
    assert manifest["files"] == {
        "rjsc": "rjsc/companies.csv", "wcb": "wcb/employers.sqlite",
        "revenue": "revenue/registrants.jsonl", "permits": "permits/permis.xlsx",
    }
    for source, rows in manifest["rows"].items():
        assert len(_raw_rows(source, demo)) == rows > 0


def test_registers_are_readable_in_their_formats(demo: Path) -> None:
    rjsc = _raw_rows("rjsc", demo)
    assert {"Registry ID", "Legal Name", "Registered Names", "Owner Name"} <= set(rjsc.columns)
    assert rjsc["Registry ID"].str.fullmatch(r"\d{7}").all()
    wcb = _raw_rows("wcb", demo)
    named = wcb["employer_name"]
    assert (named == named.str.upper()).all()
    raw = (demo / "revenue" / "registrants.jsonl").read_bytes()
    assert b"\xe9" in raw  # an é written as one Latin-1 byte
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    revenue = _raw_rows("revenue", demo)
    assert revenue["bn"].str.fullmatch(r"\d{9}R[TPC]\d{4}").all()
    permits = _raw_rows("permits", demo)
    assert {"No de permis", "Raison sociale", "Adresse du site", "Date de délivrance"} <= set(
        permits.columns)
    assert permits["Date de délivrance"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()


def test_config_validates_and_names_real_columns(demo: Path) -> None:
    config = load_sources(CONFIG)
    assert [s.id for s in config.sources] == ["rjsc", "wcb", "revenue", "permits"]
    for source in config.sources:
        columns = set(_raw_rows(source.id, demo).columns)
        assert set(source.required_columns) <= columns, source.id


def test_answer_key_covers_every_row_exactly(demo: Path) -> None:
    key = pd.read_csv(demo / "answer_key.csv", dtype=str)
    assert list(key.columns) == ["source", "source_record_id", "business_id"]
    assert key["source_record_id"].is_unique
    config = load_sources(CONFIG)
    for source in config.sources:
        rows = _raw_rows(source.id, demo)
        formed = (source.record_id.prefix or source.id) + ":" + rows[
            source.record_id.columns].astype(str).apply(
                lambda r: ":".join(v.strip() for v in r), axis=1)
        expected = set(key.loc[key["source"] == source.id, "source_record_id"])
        assert len(formed) == len(expected)
        assert set(formed) == expected, source.id


def test_reader_forms_the_answer_key_ids(demo: Path) -> None:
    """The project's own ingestion reads every row and forms exactly the answer key's ids."""
    from sources.ingest import ingest_source

    key = pd.read_csv(demo / "answer_key.csv", dtype=str)
    for source in load_sources(CONFIG).sources:
        batch = ingest_source(source, demo)
        ids = set(batch.records["source_record_id"].dropna()) | set(
            batch.quarantine["source_record_id"].dropna())
        assert ids == set(key.loc[key["source"] == source.id, "source_record_id"]), source.id


def test_large_permit_extracts_go_to_semicolon_csv(tmp_path: Path, monkeypatch) -> None:
    generate_demo_registers(tmp_path, businesses=200, seed=3)
    assert (tmp_path / "permits" / "permis.xlsx").is_file()
    monkeypatch.setattr(generate_module, "XLSX_MAX_ROWS", 10)
    summary = generate_demo_registers(tmp_path, businesses=200, seed=3)
    assert sorted(p.name for p in (tmp_path / "permits").iterdir()) == ["permis.csv"]
    permits = pd.read_csv(tmp_path / "permits" / "permis.csv", sep=";", dtype=str)
    assert len(permits) == summary.rows["permits"]
    assert "Raison sociale" in permits.columns


def test_rejects_an_empty_population(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate_demo_registers(tmp_path, businesses=0)
