"""A run with nothing to do is not started: `ubr run` and the nightly schedule say why, and
every input a run depends on (files, steward decisions, keys, the model's age) makes one due."""

import re
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import registry.store
from canonical.paths import DEFAULT_SOURCES_CONFIG
from pipelines.automation import build_nightly_schedule
from pipelines.definitions import JOB_NAME, build_definitions
from pipelines.pending_work import pending_work
from pipelines.resources import RegistryStoreResource, SharingConfig, SourceCatalog
from registry.golden_store import GoldenStore
from registry.run_activity import last_job_run
from registry.schema import runs
from registry.sharing_agreement import DEFAULT_SHARING_CONFIG
from sources.demo import generate_demo_registers


@pytest.fixture
def fixed_code_version(monkeypatch) -> None:
    """One code version for the runs and the check: a checkout with uncommitted changes
    (`git describe --dirty`) never counts as the same code."""
    monkeypatch.setattr(registry.store, "default_code_version", lambda: "git:v-test")


@pytest.fixture
def built(tmp_path, monkeypatch, sqlite_url, fixed_code_version):
    data = tmp_path / "data"
    generate_demo_registers(data, businesses=150, seed=3)
    monkeypatch.setenv("UBR_DATA_DIR", str(data))
    monkeypatch.setenv("UBR_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("UBR_HOME", str(tmp_path / "home"))
    resources = {
        "catalog": SourceCatalog(config_path=str(DEFAULT_SOURCES_CONFIG), data_dir=str(data)),
        "store": RegistryStoreResource(database_url=sqlite_url, home_dir=str(tmp_path / "home")),
        "sharing": SharingConfig(config_path=str(DEFAULT_SHARING_CONFIG)),
    }
    return data, resources


def _run_job() -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        job = build_definitions().resolve_job_def(JOB_NAME)
        assert job.execute_in_process(instance=instance, raise_on_error=False).success


def _materialised_metadata() -> dict:
    """Run the job; the metadata of each asset it materialised, by asset name."""
    with dg.DagsterInstance.ephemeral() as instance:
        result = build_definitions().resolve_job_def(JOB_NAME).execute_in_process(
            instance=instance, raise_on_error=False)
        assert result.success
        return {e.asset_key.path[-1]: e.materialization.metadata
                for e in result.get_asset_materialization_events()}


def _schedule(resources):
    schedule = build_nightly_schedule(JOB_NAME)
    with dg.build_schedule_context(resources=resources) as context:
        return schedule.evaluate_tick(context)


def test_nothing_to_do_until_an_input_of_the_run_moves(built, monkeypatch,
                                                        sharing_secrets):
    data, resources = built
    first = pending_work(**resources)
    assert first.reasons == ["the registry has never been built"]
    assert len(_schedule(resources).run_requests) == 1

    _run_job()
    quiet = pending_work(**resources)
    assert quiet.nothing_to_do, quiet.reasons
    assert "no run needed" in quiet.sentence() and quiet.last_run_id in quiet.sentence()
    tick = _schedule(resources)
    assert not tick.run_requests and "nothing changed since" in tick.skip_message

    later = datetime.now(UTC) + timedelta(days=8)
    assert pending_work(**resources, now=later).reasons == [
        "the model is older than 7 days: the next run retrains it"]

    monkeypatch.setenv("UBR_SHARING_SECRET_WCB", "another-key-for-wcb-000000000000000000")
    assert pending_work(**resources).reasons == [
        "a data-sharing agreement or pseudonym key changed"]
    monkeypatch.setenv("UBR_SHARING_SECRET_WCB", sharing_secrets["UBR_SHARING_SECRET_WCB"])
    assert pending_work(**resources).nothing_to_do

    store = resources["store"].open()
    golden = GoldenStore(store)
    xref = golden.table("cross_reference").head(2)
    keys = sorted(xref["source"] + ":" + xref["source_record_id"])
    golden.record_decisions([tuple(keys)], "different", "steward-1", "not the same business")
    assert pending_work(**resources).reasons == ["1 steward decision(s) since the last run"]
    assert "steward decision" in _schedule(resources).run_requests[0].tags["ubr/pending"]

    companies = data / "rjsc" / "companies.csv"
    companies.write_text(companies.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert pending_work(**resources).reasons[0] == "new or changed files of rjsc"

    monkeypatch.setattr(registry.store, "default_code_version", lambda: "git:v-next")
    assert "the code changed (or runs from a checkout with uncommitted changes)" in \
        pending_work(**resources).reasons


def test_ubr_run_with_nothing_changed_says_so_and_starts_no_run(
        tmp_path, monkeypatch, sqlite_url, fixed_code_version):
    from ubr_cli.main import app

    data = tmp_path / "data"
    generate_demo_registers(data, businesses=120, seed=5)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    args = ["run", "--data-dir", str(data), "--database-url", sqlite_url,
            "--home", str(tmp_path / "home"), "--workers", "1"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0 and re.search(r"run [0-9a-f-]{36} succeeded", first.output), \
        first.output

    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "no run needed" in again.output and "succeeded in" not in again.output
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(runs)) == 1

    forced = CliRunner().invoke(app, [*args, "--full"])
    assert forced.exit_code == 0 and "succeeded in" in forced.output, forced.output
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(runs)) == 2
    engine.dispose()


def test_unchanged_sources_are_not_read_again_and_the_registry_is_the_same(built):
    data, resources = built
    _run_job()
    store = resources["store"].open()
    before = store.load_source_records()
    first_run = last_job_run(store).run_id
    ingested = _materialised_metadata()
    for source in ("permits", "revenue", "rjsc", "wcb"):
        metadata = ingested[f"ingested_{source}"]
        assert metadata["kept_from_run"].value == first_run
        assert metadata["rows_read"].value == 0
        assert metadata["dagster/row_count"].value == int((before["source"] == source).sum())
    matches = ingested["record_matches"]
    assert matches["records_by_change"].value["unchanged"] == len(before)
    assert matches["records_by_change"].value["changed"] == 0
    assert store.load_source_records().equals(before)

    # one file changed: that source alone is read again
    companies = data / "rjsc" / "companies.csv"
    companies.write_text(companies.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    ingested = _materialised_metadata()
    assert "kept_from_run" not in ingested["ingested_rjsc"]
    assert ingested["ingested_rjsc"]["rows_read"].value > 0
    assert "kept_from_run" in ingested["ingested_wcb"]
