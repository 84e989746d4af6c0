"""The `ubr` command line: help for every command, and errors as sentences."""

import sqlalchemy as sa
from typer.testing import CliRunner

from canonical.paths import DEFAULT_SOURCES_CONFIG
from ubr_cli.main import app

runner = CliRunner()


def test_every_command_explains_itself():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo-data", "run", "sources", "quarantine", "dedupe", "review"):
        assert command in result.output
        sub = runner.invoke(app, [*command.split(), "--help"])
        assert sub.exit_code == 0 and "Usage" in sub.output


def test_sources_reports_a_missing_file_as_a_sentence(tmp_path):
    result = runner.invoke(app, ["sources", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "source 'rjsc': no file found at" in result.output
    assert "Traceback" not in result.output


def test_sources_reports_a_bad_configuration_file(tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text("version: 1\nsources:\n  - id: x\n    format: dbf\n", encoding="utf-8")
    result = runner.invoke(app, ["sources", "--config", str(bad)])
    assert result.exit_code == 1
    assert "entry 1 (id 'x'), key 'format'" in result.output


def test_quarantine_commands_on_an_empty_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    counts = runner.invoke(app, ["quarantine", "counts", "--database-url", url])
    assert counts.exit_code == 0 and "Quarantine is empty" in counts.output
    missing = runner.invoke(app, ["quarantine", "show", "7", "--database-url", url])
    assert missing.exit_code == 1 and "no quarantined row with id 7" in missing.output
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert "quarantine" in sa.inspect(connection).get_table_names()
    engine.dispose()


def test_run_with_a_missing_register_fails_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("UBR_HOME", str(tmp_path / "home"))
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    # `ubr run` exports its settings for the job; monkeypatch restores them afterwards.
    monkeypatch.setenv("UBR_DATABASE_URL", url)
    monkeypatch.setenv("UBR_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("UBR_SOURCES_CONFIG", str(DEFAULT_SOURCES_CONFIG))
    result = runner.invoke(app, ["run", "--data-dir", str(tmp_path / "empty"),
                                 "--database-url", url])
    assert result.exit_code == 1
    assert "step ingested_rjsc failed: source 'rjsc': no file found at" in result.output
    assert "the registry published before it is unchanged" in result.output
    assert "Traceback" not in result.output


def test_quarantine_show_raw_is_access_logged(tmp_path):
    from canonical.quarantine import quarantine_frame
    from canonical.schema import empty_canonical_frame
    from registry.access_log import read_access_log
    from registry.store import RegistryStore

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with RegistryStore(url) as store:
        store.migrate()
        run_id = store.start_run("cfg", "test")
        bad = quarantine_frame([{"source": "rjsc", "source_file": "companies.csv",
                                 "source_line": 7, "source_record_id": "rjsc:1", "stage": "read",
                                 "reason": "wrong field count: expected 16, got 3",
                                 "raw_record": '{"Legal Name": "Jean Dupuis"}'}])
        store.save_source_batch(run_id, "rjsc", empty_canonical_frame(), bad, [], 1)
        plain = runner.invoke(app, ["quarantine", "show", "1", "--database-url", url])
        assert plain.exit_code == 0 and "Jean Dupuis" not in plain.output
        assert read_access_log(store.engine).empty  # no record value shown, nothing to log
        raw = runner.invoke(app, ["quarantine", "show", "1", "--raw", "--user", "dana",
                                  "--database-url", url])
        assert raw.exit_code == 0 and "Jean Dupuis" in raw.output
        log = read_access_log(store.engine)
    assert list(log["action"]) == ["quarantine_raw"] and log["who"].iloc[0] == "dana"
    assert log["detail"].iloc[0] == {"quarantine_id": 1, "source": "rjsc"}
