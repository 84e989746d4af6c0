"""One run at a time per registry: the run lock, its holder record, dead holders, Dagster runs."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from pipeline_helpers import run_job

from canonical.paths import DEFAULT_SOURCES_CONFIG
from pipelines.automation import build_source_files_sensor
from pipelines.definitions import JOB_NAME
from pipelines.lineage import close_failed_run
from pipelines.resources import RegistryStoreResource, SourceCatalog
from registry.run_lock import ABANDONED_REASON, RegistryBusyError, RegistryLock, check_free
from registry.schema import registry_lock, runs
from registry.store import RegistryStore
from sources.demo import generate_demo_registers

PROJECT = Path(__file__).resolve().parents[1]
BUSY = "another run holds the registry"


@pytest.fixture
def store(database_url):
    with RegistryStore(database_url) as opened:
        opened.migrate()
        yield opened


def count(store: RegistryStore, table: sa.Table) -> int:
    with store.engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(table)))


def test_second_acquire_names_the_holder_writes_nothing_and_release_lets_the_next_in(store):
    first = RegistryLock(store)
    first.acquire(dagster_run_id="dagster-run-1")
    run_id = store.run_for_dagster_run("dagster-run-1", "cfg")
    first.record_run(run_id)
    with RegistryStore(store.url) as other:  # another engine, as another process would have
        second = RegistryLock(other)
        with pytest.raises(RegistryBusyError) as busy:
            second.acquire(dagster_run_id="dagster-run-2")
        message = str(busy.value)
        assert message.startswith(f"{BUSY}: run {run_id} (Dagster run dagster-run-1)")
        assert f"process {os.getpid()}" in message and " UTC;" in message
        assert "wait for it to finish" in message and "mark it abandoned" in message
        with pytest.raises(RegistryBusyError):
            second.check()  # what `ubr run` asks first
        assert count(store, runs) == 1 and count(store, registry_lock) == 1
        assert not second.held

        first.release()
        assert count(store, registry_lock) == 0
        assert second.acquire(dagster_run_id="dagster-run-2") == []  # released cleanly
        assert second.holder().dagster_run_id == "dagster-run-2"
        second.release()
    assert store.get_run(run_id)["status"] == "running"  # closing it is its own run's job


def test_check_when_free_records_no_holder(store):
    assert check_free(store.url) == []
    assert count(store, registry_lock) == 0
    with RegistryLock(store) as held:  # and the lock is free again afterwards
        assert held.held


def test_an_in_memory_registry_is_locked_within_its_process():
    with RegistryStore("sqlite:///:memory:") as memory:
        memory.migrate()
        with RegistryLock(memory), pytest.raises(RegistryBusyError):
            RegistryLock(memory).acquire()
        assert RegistryLock(memory).check() == []


HOLDER_SCRIPT = """
import sys, time
from registry.run_lock import RegistryLock
from registry.store import RegistryStore
store = RegistryStore(sys.argv[1])
store.migrate()
lock = RegistryLock(store)
lock.acquire(dagster_run_id="dagster-run-killed")
lock.record_run(store.run_for_dagster_run("dagster-run-killed", "cfg"))
print("held", flush=True)
time.sleep(600)
"""


def test_a_holder_killed_with_sigkill_is_marked_abandoned_by_the_next_run(store):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER_SCRIPT, store.url],
                              stdout=subprocess.PIPE, text=True, cwd=PROJECT)
    try:
        assert holder.stdout.readline().strip() == "held"
        dead = store.find_dagster_run("dagster-run-killed")
        with pytest.raises(RegistryBusyError, match=f"run {dead['run_id']}"):
            RegistryLock(store).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert store.get_run(dead["run_id"])["status"] == "running"  # kill -9: nobody closed it

    deadline = time.monotonic() + 10  # the server notices the closed session at once
    while True:
        try:
            lock = RegistryLock(store)
            abandoned = lock.acquire(dagster_run_id="dagster-run-next")
            break
        except RegistryBusyError:
            assert time.monotonic() < deadline, "the dead holder's lock was never released"
            time.sleep(0.2)
    try:
        assert abandoned == [dead["run_id"]] == lock.abandoned
        closed = store.get_run(dead["run_id"])
        assert closed["status"] == "failed" and closed["finished_at"] is not None
        assert closed["summary"] == {"reason": ABANDONED_REASON}
        assert lock.holder().dagster_run_id == "dagster-run-next"
    finally:
        lock.release()


# -- Dagster runs ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_demo_registers(out, businesses=150, seed=11)
    return out


def test_a_dagster_run_fails_at_once_while_another_holds_the_registry(environment, demo_dir):
    with RegistryStore(environment) as store, dg.DagsterInstance.ephemeral() as instance:
        store.migrate()
        holder = RegistryLock(store)
        holder.acquire(dagster_run_id="dagster-run-holding")
        try:
            started = time.monotonic()
            refused = run_job(instance)
            assert time.monotonic() - started < 30
            assert not refused.success
            assert not any(e.is_step_success or e.is_step_failure for e in refused.all_events)
            (init,) = [e for e in refused.all_events
                       if e.event_type_value == "RESOURCE_INIT_FAILURE"]
            assert f"{BUSY}: a run (Dagster run dagster-run-holding)" in str(
                init.event_specific_data.error)
            assert store.find_dagster_run(refused.run_id) is None  # wrote nothing
            assert count(store, runs) == 0

            # Sensors use the same resource but start no run: they take no lock.
            sensor = build_source_files_sensor(JOB_NAME)
            resources = {"catalog": SourceCatalog(config_path=str(DEFAULT_SOURCES_CONFIG),
                                                  data_dir=str(demo_dir)),
                         "store": RegistryStoreResource(database_url=environment)}
            with dg.build_sensor_context(resources=resources) as context:
                assert isinstance(sensor(context), dg.SensorResult)
            assert not close_failed_run(refused.run_id, [])  # nothing to close, no error
        finally:
            holder.release()

        dead = plant_dead_holder(store)
        succeeded = run_job(instance)
        assert succeeded.success
        run = store.find_dagster_run(succeeded.run_id)
        assert store.get_run(run["run_id"])["status"] == "succeeded"
        assert count(store, registry_lock) == 0  # released at the run's end
        assert store.get_run(dead)["summary"] == {"reason": ABANDONED_REASON}
        said = [entry.user_message for entry in instance.all_logs(succeeded.run_id)]
        assert any("marked 1 abandoned registry run(s) failed" in m and dead in m
                   for m in said)


def plant_dead_holder(store: RegistryStore) -> str:
    """A holder record and running run whose process is gone (nobody holds the lock)."""
    run_id = store.run_for_dagster_run("dagster-run-dead", "cfg")
    with store.engine.begin() as connection:
        connection.execute(registry_lock.insert().values(
            lock_name="registry", holder_id="dead", run_id=run_id,
            dagster_run_id="dagster-run-dead", host="elsewhere", pid=1,
            acquired_at=datetime.now(UTC)))
    return run_id


def test_ubr_run_reports_abandoned_runs_before_it_starts(store):
    dead = plant_dead_holder(store)
    assert "on another machine" in str(RegistryLock(store).holder().describe())
    assert check_free(store.url) == [dead]
    assert store.get_run(dead)["status"] == "failed" and count(store, registry_lock) == 0
    assert check_free(store.url) == []  # closed once


def ubr_run(environment: str, tmp_path: Path, demo_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster"),
           "UBR_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("ubr")), "run", "--data-dir", str(demo_dir),
         "--database-url", environment],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=PROJECT, env=env)


def test_two_ubr_runs_at_once_the_second_refuses_and_the_first_completes(
    environment, demo_dir, tmp_path
):
    with RegistryStore(environment) as store:
        store.migrate()
        first = ubr_run(environment, tmp_path, demo_dir)
        try:
            deadline = time.monotonic() + 120
            while (holder := RegistryLock(store).holder()) is None:
                assert first.poll() is None, first.communicate()[0]
                assert time.monotonic() < deadline, "the first run never took the lock"
                time.sleep(0.1)
            second = ubr_run(environment, tmp_path, demo_dir)
            output, _ = second.communicate(timeout=120)
            assert second.returncode == 1, output
            assert BUSY in output and f"Dagster run {holder.dagster_run_id}" in output
            assert "Traceback" not in output
            first_output, _ = first.communicate(timeout=300)
        finally:
            for process in (first,):
                if process.poll() is None:
                    process.kill()
        assert first.returncode == 0, first_output
        assert [r["status"] for r in _runs(store)] == ["succeeded"]  # the second wrote nothing


def _runs(store: RegistryStore) -> list[dict]:
    with store.engine.connect() as connection:
        return [dict(r) for r in connection.execute(runs.select()).mappings()]
