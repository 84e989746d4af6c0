"""Partner contribution report: exact figures on a small registry, on SQLite and PostgreSQL.

Two registers hold data (rjsc and wcb), two hold none (revenue and permits, zeros expected).
Clusters are made by hand (FakeLink), so every expected number below is known:
  B1 = {R1, W1}  (merged in a second run: the id that merged away is retired but keeps its
                  provenance rows, which must not count)
  B2 = {R2, W2}   B3 = {R3, R4} (a duplicate within rjsc)   B4 = {W5}
Survivorship (config/survivorship.yaml): rjsc wins legal_name by trust, wcb alone has phones,
the BN goes to rjsc where both have it.
"""

import json

import pandas as pd
import pytest
import typer
from test_golden_helpers import canonical, fake_link, publish, valid_bn
from typer.testing import CliRunner

from canonical.paths import DEFAULT_SOURCES_CONFIG
from canonical.quarantine import quarantine_frame
from registry.access_log import read_access_log
from registry.contribution import (
    UnknownSourceError,
    contribution_detail,
    contribution_details,
    contribution_report,
)
from registry.golden_store import GoldenStore
from registry.store import RegistryStore
from sources.config import load_sources
from ubr_cli.report_cmd import report_app

SHIPPED = load_sources(DEFAULT_SOURCES_CONFIG)  # the caller gives the registry its registers

BN1, BN2, BN5 = valid_bn("11111111"), valid_bn("22222222"), valid_bn("55555555")
ROWS = [
    {"source": "rjsc", "source_record_id": "R1", "legal_name": "Alpha Bakery",
     "business_number": BN1},
    {"source": "rjsc", "source_record_id": "R2", "legal_name": "Beta Garage",
     "business_number": BN2},
    {"source": "rjsc", "source_record_id": "R3", "legal_name": "Gamma Florist"},
    {"source": "rjsc", "source_record_id": "R4", "legal_name": "Gamma Flowers", "city": "  "},
    {"source": "wcb", "source_record_id": "W1", "legal_name": "ALPHA BAKERY",
     "business_number": BN1, "phone": "902-555-0101"},
    {"source": "wcb", "source_record_id": "W2", "legal_name": "BETA GARAGE",
     "phone": "902-555-0102"},
    {"source": "wcb", "source_record_id": "W5", "legal_name": "DELTA DELI",
     "business_number": BN5, "phone": "902-555-0105"},
]
RJSC_MAPPED, WCB_MAPPED = 15, 12  # fields mapped from columns in config/sources.yaml


def rejected() -> pd.DataFrame:
    """rjsc's three quarantined rows: two of one kind (prefix), one of another."""
    rows = [{"source": "rjsc", "source_file": "companies.csv", "source_line": line,
             "source_record_id": f"X{line}", "stage": "validate", "column": "registration_date",
             "reason": f"registration_date: not a date (got {line} characters)"}
            for line in (3, 7)]
    rows.append({"source": "rjsc", "source_file": "companies.csv", "source_line": 9,
                 "source_record_id": None, "stage": "map", "column": "Registry ID",
                 "reason": "record id column 'Registry ID' is empty"})
    return quarantine_frame(rows)


@pytest.fixture
def registry(database_url):
    """The small registry described above; yields the store."""
    records = canonical(ROWS)
    with RegistryStore(database_url) as store:
        store.migrate()
        run_id = store.start_run("cfg", "test")
        for source, part in records.groupby("source"):
            bad = rejected() if source == "rjsc" else quarantine_frame()
            store.save_source_batch(run_id, source, part.drop(columns="record_key"), bad,
                                    [(f"{source}.csv", "a" * 64, 100, len(part) + len(bad))],
                                    len(part) + len(bad))
        store.finish_run(run_id, "succeeded")
        golden = GoldenStore(store)
        b2, b3 = ["rjsc:R2", "wcb:W2"], ["rjsc:R3", "rjsc:R4"]
        publish(golden, records, fake_link(records, [b2, b3]))
        publish(golden, records, fake_link(records, [["rjsc:R1", "wcb:W1"], b2, b3]))
        # a later run finds rjsc's files unchanged: its last *reading* batch still counts
        later = store.start_run("cfg", "test")
        store.record_unchanged_batch(later, "rjsc")
        store.finish_run(later, "succeeded")
        assert (golden.table("businesses")["status"] == "retired").sum() == 1
        yield store


def test_report_figures_per_register(registry):
    report = contribution_report(registry.engine, sources=SHIPPED).set_index("source")
    assert list(report.index) == ["rjsc", "wcb", "revenue", "permits"]  # configuration order
    rjsc, wcb = report.loc["rjsc"], report.loc["wcb"]
    assert rjsc["ministry"] == "Registry of Joint Stock Companies"
    assert rjsc["batch_status"] == "accepted"
    assert (rjsc["rows_read"], rjsc["rows_accepted"], rjsc["rows_quarantined"]) == (7, 4, 3)
    assert rjsc["quarantine_rate"] == pytest.approx(3 / 7)
    assert (rjsc["current_records"], rjsc["open_quarantine"]) == (4, 3)
    assert rjsc["top_quarantine_reasons"] == (
        "registration_date: 2; record id column 'Registry ID' is empty (Registry ID): 1")
    assert (rjsc["registry_records"], rjsc["businesses"], rjsc["businesses_only_here"]) == (
        4, 3, 1)
    assert rjsc["business_share"] == pytest.approx(3 / 4)
    assert (rjsc["shared_with_rjsc"], rjsc["shared_with_wcb"]) == (3, 2)
    assert rjsc["shared_with_revenue"] == rjsc["shared_with_permits"] == 0
    assert rjsc["golden_values"] == 5  # legal_name x3, business_number x2
    assert rjsc["golden_value_share"] == pytest.approx(5 / 10)
    assert rjsc["completeness"] == pytest.approx((4 + 2) / (4 * RJSC_MAPPED))  # blank city: 0
    assert rjsc["business_number_share"] == pytest.approx(2 / 4)
    assert rjsc["matched_share"] == pytest.approx(2 / 4)
    assert (rjsc["duplicate_businesses"], rjsc["duplicate_records"]) == (1, 2)

    assert (wcb["rows_read"], wcb["rows_accepted"], wcb["rows_quarantined"]) == (3, 3, 0)
    assert (wcb["open_quarantine"], wcb["top_quarantine_reasons"]) == (0, "")
    assert (wcb["registry_records"], wcb["businesses"], wcb["businesses_only_here"]) == (3, 3, 1)
    assert (wcb["shared_with_rjsc"], wcb["shared_with_wcb"]) == (2, 3)
    assert wcb["golden_values"] == 5  # legal_name x1, phone x3, business_number x1
    assert wcb["completeness"] == pytest.approx((3 + 2 + 3) / (3 * WCB_MAPPED))
    assert wcb["business_number_share"] == pytest.approx(2 / 3)
    assert wcb["matched_share"] == pytest.approx(2 / 3)
    assert wcb["duplicate_businesses"] == 0


def test_registers_with_nothing_yet_show_zeros(registry):
    report = contribution_report(registry.engine, "permits", sources=SHIPPED)
    assert len(report) == 1
    row = report.iloc[0]
    assert row["batch_status"] is None
    numbers = report.drop(columns=["source", "ministry", "batch_status", "batch_recorded_at",
                                   "top_quarantine_reasons"]).iloc[0]
    assert (numbers == 0).all(), numbers[numbers != 0].to_dict()
    detail = contribution_detail(registry.engine, "revenue", sources=SHIPPED)
    assert detail.fields["won"].tolist() == [0, 0, 0]
    assert detail.completeness["filled"].sum() == 0 and len(detail.completeness) == 10
    assert detail.quarantine_reasons.empty


def test_detail_tables(registry):
    detail = contribution_detail(registry.engine, "wcb", sources=SHIPPED)
    assert detail.active_businesses == 4
    fields = detail.fields.set_index("field")
    assert fields.loc["legal_name"].tolist() == [1, 4, pytest.approx(0.25)]
    assert fields.loc["phone"].tolist() == [3, 3, pytest.approx(1.0)]
    assert fields.loc["business_number"].tolist() == [1, 3, pytest.approx(1 / 3)]
    overlaps = detail.overlaps.set_index("other_source")
    assert overlaps.loc["rjsc", "shared_businesses"] == 2
    assert overlaps.loc["rjsc", "share_of_its_businesses"] == pytest.approx(2 / 3)
    assert overlaps.loc["revenue", "shared_businesses"] == 0
    completeness = detail.completeness.set_index("field")["share"]
    assert completeness["phone"] == 1.0 and completeness["naics_code"] == 0.0
    assert completeness["business_number"] == pytest.approx(2 / 3)

    rjsc = contribution_detail(registry.engine, "rjsc", sources=SHIPPED)
    assert rjsc.quarantine_reasons[["stage", "reason", "rows"]].values.tolist() == [
        ["validate", "registration_date", 2], ["map", "record id column 'Registry ID' is empty", 1]]
    assert rjsc.fields.set_index("field")["won"].to_dict() == {
        "legal_name": 3, "business_number": 2, "phone": 0}
    as_json = json.loads(json.dumps(rjsc.to_dict()))  # plain JSON types throughout
    assert as_json["summary"]["shared_with_wcb"] == 2
    details = contribution_details(registry.engine, sources=SHIPPED)
    assert [each.source for each in details] == [
        "rjsc", "wcb", "revenue", "permits"]


def test_unknown_source_is_a_sentence_naming_the_known_ones(registry):
    with pytest.raises(UnknownSourceError, match="unknown source 'cra'.*rjsc, wcb, revenue"):
        contribution_report(registry.engine, "cra", sources=SHIPPED)


def test_an_empty_registry_reports_zeros(sqlite_url):
    with RegistryStore(sqlite_url) as store:
        store.migrate()
        report = contribution_report(store.engine, sources=SHIPPED)
    assert list(report["source"]) == ["rjsc", "wcb", "revenue", "permits"]
    assert (report[["rows_read", "businesses", "golden_values", "matched_share"]] == 0).all().all()


# -- the command line -------------------------------------------------------------------------

cli = typer.Typer()
cli.add_typer(report_app, name="report")


def run(url: str, *args: str):
    return CliRunner().invoke(cli, ["report", "contributions", *args, "--database-url", url],
                              env={"COLUMNS": "250", "UBR_USER": "auditor-7"})


def test_cli_table_json_csv_and_access_log(registry, tmp_path):
    url = registry.engine.url.render_as_string(hide_password=False)
    overview = run(url)
    assert overview.exit_code == 0, overview.output
    assert "Workers' Compensation Board" in overview.output
    assert "Businesses only it knows" in overview.output and "7 / 4 / 3" in overview.output

    one = run(url, "--source", "wcb", "--purpose", "annual partner review")
    assert one.exit_code == 0, one.output
    assert "3 records in 3 businesses (75.0% of the registry's 4)" in one.output
    assert "phone" in one.output and "100.0%" in one.output

    out = tmp_path / "report.json"
    written = run(url, "--format", "json", "--out", str(out))
    assert written.exit_code == 0, written.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["registry_active_businesses"] == 4
    by_source = {entry["source"]: entry for entry in document["sources"]}
    assert by_source["rjsc"]["summary"]["duplicate_businesses"] == 1
    assert by_source["permits"]["summary"]["registry_records"] == 0

    csv = run(url, "--format", "csv", "--source", "rjsc")
    assert csv.exit_code == 0, csv.output
    lines = csv.output.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("source,ministry,batch_status")
    assert lines[1].startswith("rjsc,Registry of Joint Stock Companies,accepted")

    unknown = run(url, "--source", "cra")
    assert unknown.exit_code == 1
    assert "unknown source 'cra'" in unknown.output and "permits" in unknown.output

    log = read_access_log(registry.engine)  # newest first; the failed call wrote nothing
    assert log["action"].tolist() == ["report"] * 4
    assert log["who"].unique().tolist() == ["auditor-7"]
    assert log["row_count"].tolist() == [1, 4, 1, 4]
    assert log["detail"].tolist()[2] == {"report": "contributions", "source": "wcb",
                                         "format": "table"}
    assert log["purpose"].tolist()[2] == "annual partner review"


def test_a_stored_source_missing_from_the_configuration_is_still_reported(registry):
    from canonical.paths import DEFAULT_SOURCES_CONFIG
    from sources.config import load_sources

    shipped = load_sources(DEFAULT_SOURCES_CONFIG)
    only_rjsc = shipped.model_copy(update={"sources": [shipped.get("rjsc")]})
    report = contribution_report(registry.engine, sources=only_rjsc).set_index("source")
    assert list(report.index) == ["rjsc", "wcb"]
    assert report.loc["wcb", "ministry"] == "(not in the source configuration)"
    assert report.loc["wcb", "businesses"] == 3 and report.loc["wcb", "completeness"] == 0.0
