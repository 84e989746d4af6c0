"""The sensor starts a run only for source files the registry has not accepted yet."""

import dagster as dg

from canonical.paths import DEFAULT_SOURCES_CONFIG
from pipelines.automation import build_source_files_sensor
from pipelines.definitions import JOB_NAME, build_definitions
from pipelines.resources import RegistryStoreResource, SourceCatalog
from sources.demo import generate_demo_registers


def evaluate(sensor: dg.SensorDefinition, data_dir, database_url):
    resources = {
        "catalog": SourceCatalog(config_path=str(DEFAULT_SOURCES_CONFIG), data_dir=str(data_dir)),
        "store": RegistryStoreResource(database_url=database_url),
    }
    with dg.build_sensor_context(resources=resources) as context:
        return sensor(context)


def test_sensor_runs_for_new_then_changed_files_only(tmp_path, monkeypatch, sqlite_url):
    data = tmp_path / "data"
    generate_demo_registers(data, businesses=150, seed=3)
    sensor = build_source_files_sensor(JOB_NAME)

    first = evaluate(sensor, data, sqlite_url)
    assert isinstance(first, dg.SensorResult) and len(first.run_requests) == 1
    assert first.run_requests[0].tags["ubr/changed_sources"] == "permits,revenue,rjsc,wcb"

    monkeypatch.setenv("UBR_DATA_DIR", str(data))
    monkeypatch.setenv("UBR_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("UBR_HOME", str(tmp_path / "home"))
    with dg.DagsterInstance.ephemeral() as instance:
        job = build_definitions().resolve_job_def(JOB_NAME)
        assert job.execute_in_process(instance=instance, raise_on_error=False).success

    assert isinstance(evaluate(sensor, data, sqlite_url), dg.SkipReason)

    companies = data / "rjsc" / "companies.csv"
    companies.write_text(companies.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = evaluate(sensor, data, sqlite_url)
    assert isinstance(changed, dg.SensorResult)
    assert changed.run_requests[0].tags["ubr/changed_sources"] == "rjsc"

    (data / "permits" / "permis.xlsx").unlink()
    missing_permits = evaluate(sensor, data, sqlite_url)  # unreadable permits are only logged
    assert missing_permits.run_requests[0].tags["ubr/changed_sources"] == "rjsc"
