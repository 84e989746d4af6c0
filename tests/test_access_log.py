"""The access log as read back: no `nan` ministry, no `1.0` publication id (SQLite, PostgreSQL)."""

import pytest
from typer.testing import CliRunner

from registry.access_log import read_access_log, record_access
from registry.store import RegistryStore
from ubr_cli.console import console
from ubr_cli.main import app


@pytest.fixture
def logged(database_url, monkeypatch):
    """Two reads: a contribution report (no ministry, no publication), then an export."""
    monkeypatch.setattr(console, "_width", 250)  # one line per row (see test_sharing_cli)
    with RegistryStore(database_url) as store:
        store.migrate()
        record_access(store.engine, action="report", purpose="partner review", row_count=4,
                      who="auditor-7")
        record_access(store.engine, action="export", purpose="permits", row_count=1234,
                      who="analyst", ministry="permits", publication_id=12)
        yield database_url, store


def test_missing_values_are_none_and_ids_are_integers(logged):
    _, store = logged
    frame = read_access_log(store.engine)
    assert frame["action"].tolist() == ["export", "report"]
    assert frame["ministry"].tolist() == ["permits", None]
    assert frame["publication_id"].tolist() == [12, None]
    assert isinstance(frame["publication_id"][0], int)
    assert frame["row_count"].dtype.kind == "i" and frame["row_count"].tolist() == [1234, 4]
    assert frame["detail"].tolist() == [None, None]
    only = read_access_log(store.engine, ministry="permits")
    assert only["publication_id"].tolist() == [12]
    assert read_access_log(store.engine, ministry="wcb").empty


def test_the_command_prints_a_dash_and_whole_numbers(logged):
    url, _ = logged
    result = CliRunner().invoke(app, ["access-log", "--database-url", url])
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[4].strip(): [cell.strip() for cell in line.split("│")[1:-1]]
            for line in result.output.splitlines() if line.startswith("│")
            and line.split("│")[4].strip() in ("report", "export")}
    assert rows["report"][2] == "-" and rows["report"][5] == "-"  # ministry, publication
    assert rows["export"][2] == "permits" and rows["export"][5] == "12"
    assert rows["export"][6] == "1,234"
    assert "nan" not in result.output and "12.0" not in result.output
    assert "<NA>" not in result.output and "None" not in result.output
