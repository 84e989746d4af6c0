"""Settings reach the run as arguments: `ubr run` and `build_definitions` leave os.environ alone.

Issue 12: `ubr run` used to pass its options to the Dagster job by writing UBR_SOURCES_CONFIG,
UBR_DATA_DIR, UBR_DATABASE_URL and DAGSTER_HOME into os.environ, and the resources read them
back in the middle of the run; two sets of definitions in one process then shared one data
directory and one store. The environment is only a default, read where the CLI parses its
options and where the code location builds `defs`.
"""

import os
import re
import shutil
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from canonical.paths import DEFAULT_SOURCES_CONFIG, PROJECT_ROOT
from pipelines.definitions import JOB_NAME, build_definitions
from pipelines.resources import RegistryStoreResource, config_hash
from pipelines.settings import RunSettings
from registry.database import configured_home, database_url, store_home, ubr_home
from registry.schema import runs
from registry.sharing_agreement import DEFAULT_SHARING_CONFIG
from registry.store import RegistryStore
from sources.demo import generate_demo_registers
from ubr_cli.main import app
from ubr_cli.run import ensure_dagster_home

SETTINGS_ENV = ("UBR_DATA_DIR", "UBR_DATABASE_URL", "UBR_SOURCES_CONFIG", "UBR_HOME",
                "UBR_SHARING_CONFIG", "UBR_OPENLINEAGE_FILE", "OPENLINEAGE_URL")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_demo_registers(out, businesses=300, seed=13)
    return out


@pytest.fixture
def clean_environment(monkeypatch, tmp_path) -> Path:
    """No UBR setting in the environment and a working directory of our own (its `.ubr` is the
    default home); Dagster's folder is given by DAGSTER_HOME, as an operator's shell would."""
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its size and modification time (nothing if absent)."""
    if not folder.exists():
        return {}
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def _ubr_run(*args: str) -> tuple[str, str]:
    """`ubr run ARGS`: (output, Dagster run id); the run must succeed."""
    result = CliRunner().invoke(app, ["run", *args])
    assert result.exit_code == 0, result.output
    found = re.search(r"\brun ([0-9a-f-]{36}) succeeded in", result.output)
    assert found, result.output
    return result.output, found.group(1)


def _registry_runs(url: str) -> list[dict]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(sa.select(runs))]
    finally:
        engine.dispose()


def test_ubr_run_passes_its_options_without_touching_the_environment(
    demo_dir, clean_environment, tmp_path
):
    config = tmp_path / "conf" / "sources.yaml"  # not the default file: it must be the one read
    config.parent.mkdir()
    shutil.copy(DEFAULT_SOURCES_CONFIG, config)
    store_dir = tmp_path / "store"
    url = f"sqlite:///{store_dir / 'registry.sqlite'}"
    project_files = {name: _snapshot(PROJECT_ROOT / name) for name in (".ubr", ".dagster_home")}
    before = dict(os.environ)

    _, dagster_run_id = _ubr_run("--data-dir", str(demo_dir), "--database-url", url,
                                 "--config", str(config))

    assert dict(os.environ) == before
    (run,) = _registry_runs(url)
    assert run["dagster_run_id"] == dagster_run_id and run["status"] == "succeeded"
    assert run["config_hash"] == config_hash(config, DEFAULT_SHARING_CONFIG)
    files = RegistryStore(url).source_files()
    assert len(files) and all(Path(p).is_relative_to(demo_dir) for p in files["path"])
    # The run's artefacts sit beside the registry it was given, nowhere else.
    assert (store_dir / "stage").is_dir()
    assert (store_dir / "runs" / dagster_run_id / "model.json").is_file()
    assert (store_dir / "openlineage" / "events.jsonl").is_file()
    assert not (clean_environment / ".ubr").exists()
    assert {name: _snapshot(PROJECT_ROOT / name) for name in project_files} == project_files
    with dg.DagsterInstance.from_config(str(tmp_path / "dagster")) as instance:
        assert instance.get_run_by_id(dagster_run_id) is not None


@pytest.mark.postgres
def test_ubr_run_on_postgresql_keeps_its_artefacts_in_the_home_given(
    demo_dir, clean_environment, tmp_path, postgres_url
):
    home = tmp_path / "home"
    before = dict(os.environ)
    _, dagster_run_id = _ubr_run("--data-dir", str(demo_dir), "--database-url", postgres_url,
                                 "--home", str(home))
    assert dict(os.environ) == before
    (run,) = _registry_runs(postgres_url)
    assert run["dagster_run_id"] == dagster_run_id and run["status"] == "succeeded"
    assert (home / "runs" / dagster_run_id / "model.json").is_file()
    assert (home / "stage").is_dir() and (home / "openlineage" / "events.jsonl").is_file()
    assert not (clean_environment / ".ubr").exists()


def test_two_definitions_in_one_process_each_read_their_own_data(tmp_path, monkeypatch):
    """Built side by side, run one after the other: no setting crosses over, and the
    environment (pointing elsewhere) is not consulted once values are given."""
    monkeypatch.setenv("UBR_DATA_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("UBR_DATABASE_URL", f"sqlite:///{tmp_path / 'environment.sqlite'}")
    monkeypatch.setenv("UBR_HOME", str(tmp_path / "environment_home"))
    built = {}
    for name, businesses in (("a", 60), ("b", 90)):
        data = tmp_path / f"data_{name}"
        generate_demo_registers(data, businesses=businesses, seed=3)
        url = f"sqlite:///{tmp_path / f'registry_{name}.sqlite'}"
        built[name] = (data, url, build_definitions(
            data_dir=data, database_url=url, home=tmp_path / f"home_{name}"))
    with dg.DagsterInstance.ephemeral() as instance:
        for name in ("b", "a"):
            _, _, definitions = built[name]
            result = definitions.resolve_job_def(JOB_NAME).execute_in_process(
                instance=instance, raise_on_error=False)
            assert result.success, name
    counts = {}
    for name, (data, url, _) in built.items():
        files = RegistryStore(url).source_files()
        assert len(files) and all(Path(p).is_relative_to(data) for p in files["path"]), name
        (run,) = _registry_runs(url)
        assert run["status"] == "succeeded"
        assert (tmp_path / f"home_{name}" / "runs" / run["dagster_run_id"]).is_dir()
        counts[name] = len(RegistryStore(url).load_source_records())
    assert counts["a"] < counts["b"]
    assert not (tmp_path / "environment.sqlite").exists()
    assert not (tmp_path / "environment_home").exists()


def test_the_failure_sensor_closes_the_run_in_the_store_it_was_given(tmp_path, monkeypatch):
    monkeypatch.setenv("UBR_DATABASE_URL", f"sqlite:///{tmp_path / 'environment.sqlite'}")
    monkeypatch.delenv("UBR_HOME", raising=False)  # no home chosen: artefacts beside the store
    given = tmp_path / "given"
    url = f"sqlite:///{given / 'registry.sqlite'}"
    definitions = build_definitions(data_dir=tmp_path / "empty", database_url=url)
    with dg.DagsterInstance.ephemeral() as instance:
        failed = definitions.resolve_job_def(JOB_NAME).execute_in_process(
            instance=instance, raise_on_error=False)
        assert not failed.success  # no register to read
        with RegistryStore(url) as store:  # the registry run a later step would have opened
            store.migrate()
            run_id = store.run_for_dagster_run(failed.run_id, "cfg")
        (record,) = instance.get_records_for_run(
            failed.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
        with dg.build_run_status_sensor_context(
            sensor_name="close_failed_registry_runs",
            dagster_event=record.event_log_entry.dagster_event, dagster_instance=instance,
            dagster_run=instance.get_run_by_id(failed.run_id),
            resources=definitions.resources) as context:
            definitions.resolve_sensor_def("close_failed_registry_runs")(context.for_run_failure())
    assert RegistryStore(url).get_run(run_id)["status"] == "failed"
    assert (given / "openlineage" / "events.jsonl").is_file()
    assert not (tmp_path / "environment.sqlite").exists()


def test_config_hash_covers_the_files_given_not_the_environment(tmp_path, monkeypatch):
    given = tmp_path / "sources.yaml"
    shutil.copy(DEFAULT_SOURCES_CONFIG, given)
    other = tmp_path / "other.yaml"
    other.write_text(given.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    monkeypatch.setenv("UBR_SOURCES_CONFIG", str(other))
    expected = config_hash(given, DEFAULT_SHARING_CONFIG)
    monkeypatch.setenv("UBR_SOURCES_CONFIG", str(given))
    assert config_hash(given, DEFAULT_SHARING_CONFIG) == expected
    assert config_hash(other, DEFAULT_SHARING_CONFIG) != expected
    sharing = tmp_path / "sharing.yaml"
    sharing.write_text(DEFAULT_SHARING_CONFIG.read_text(encoding="utf-8") + "# changed\n",
                       encoding="utf-8")
    assert config_hash(given, sharing) != expected
    store = RegistryStoreResource(database_url="sqlite://", sources_config=str(other),
                                  sharing_config=str(DEFAULT_SHARING_CONFIG))
    assert store.config_hash() == config_hash(other, DEFAULT_SHARING_CONFIG)


def test_the_store_home_follows_the_values_given(tmp_path, monkeypatch):
    environment_home = tmp_path / "environment_home"
    monkeypatch.setenv("UBR_HOME", str(environment_home))
    monkeypatch.setenv("UBR_DATABASE_URL", "postgresql+psycopg://u@h:5432/environment")
    given = tmp_path / "given"
    store = RegistryStoreResource(database_url="postgresql+psycopg://u@h/db", home_dir=str(given))
    assert store.home() == given.resolve() and store.url() == "postgresql+psycopg://u@h/db"
    assert ubr_home(given) == given.resolve()
    assert database_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"
    assert configured_home() == environment_home.resolve()
    assert configured_home(given) == given.resolve()
    sqlite = f"sqlite:///{tmp_path / 'sqlite' / 'r.sqlite'}"
    assert store_home(sqlite) == (tmp_path / "sqlite").resolve()  # UBR_HOME is not read here
    assert store_home(sqlite, given) == given.resolve()
    assert RegistryStoreResource(database_url=sqlite).home() == (tmp_path / "sqlite").resolve()
    monkeypatch.chdir(tmp_path)
    assert store_home("postgresql+psycopg://u@h/db", create=False) == tmp_path.resolve() / ".ubr"
    monkeypatch.delenv("UBR_DATABASE_URL")
    assert database_url(home=given) == f"sqlite:///{given.resolve() / 'registry.sqlite'}"
    assert not environment_home.exists() and not (tmp_path / ".ubr").exists()


def test_run_settings_take_the_values_given_and_the_environment_as_default(
    tmp_path, monkeypatch
):
    env = tmp_path / "env"
    monkeypatch.setenv("UBR_SOURCES_CONFIG", str(env / "sources.yaml"))
    monkeypatch.setenv("UBR_DATA_DIR", str(env / "data"))
    monkeypatch.setenv("UBR_DATABASE_URL", "postgresql+psycopg://u@h/env")
    monkeypatch.setenv("UBR_SHARING_CONFIG", str(env / "sharing.yaml"))
    monkeypatch.setenv("UBR_HOME", str(env / "home"))
    from_environment = RunSettings.resolve()
    assert from_environment == RunSettings(
        sources_config=env / "sources.yaml", data_dir=(env / "data").resolve(),
        database_url="postgresql+psycopg://u@h/env", sharing_config=env / "sharing.yaml",
        home=(env / "home").resolve())
    given = RunSettings.resolve(tmp_path / "a.yaml", tmp_path / "data", "sqlite:///" + str(
        tmp_path / "db" / "r.sqlite"), tmp_path / "s.yaml", tmp_path / "home")
    assert given == RunSettings(
        sources_config=tmp_path / "a.yaml", data_dir=(tmp_path / "data").resolve(),
        database_url=f"sqlite:///{tmp_path / 'db' / 'r.sqlite'}",
        sharing_config=tmp_path / "s.yaml", home=(tmp_path / "home").resolve())
    monkeypatch.delenv("UBR_HOME")
    beside = RunSettings.resolve(database_url=f"sqlite:///{tmp_path / 'db' / 'r.sqlite'}")
    assert beside.home is None and beside.artefacts == (tmp_path / "db").resolve()
    assert not env.exists() and not (tmp_path / "db").exists()  # resolving creates nothing


def test_ensure_dagster_home_returns_the_folder_and_leaves_the_environment(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    before = dict(os.environ)
    home = ensure_dagster_home(tmp_path / "dagster")
    assert home == (tmp_path / "dagster").resolve()
    assert "telemetry" in (home / "dagster.yaml").read_text(encoding="utf-8")
    assert home.stat().st_mode & 0o777 == 0o700
    assert dict(os.environ) == before
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "from_environment"))
    assert ensure_dagster_home() == (tmp_path / "from_environment").resolve()
