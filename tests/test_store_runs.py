"""Run lifecycle: start as running, finish once as succeeded or failed, with a summary."""

import numpy as np
import pytest

from registry import RegistryStore, StoreError


@pytest.fixture
def store(database_url):
    with RegistryStore(database_url) as store:
        store.migrate()
        yield store


def test_start_and_finish_run(store):
    run_id = store.start_run("cfg-hash", "v1.2.3", dagster_run_id="dg-1")
    run = store.get_run(run_id)
    assert run["status"] == "running"
    assert run["finished_at"] is None
    assert run["started_at"].tzinfo is not None
    assert (run["code_version"], run["config_hash"], run["dagster_run_id"]) == (
        "v1.2.3", "cfg-hash", "dg-1",
    )
    store.finish_run(run_id, "succeeded", {"rows": np.int64(7), "sources": {"a": 3}})
    run = store.get_run(run_id)
    assert run["status"] == "succeeded"
    assert run["summary"] == {"rows": 7, "sources": {"a": 3}}
    assert run["finished_at"] >= run["started_at"]


def test_code_version_defaults_to_something(store):
    run = store.get_run(store.start_run("cfg"))
    assert run["code_version"] and run["code_version"] != "unknown"


def test_finish_rules(store):
    run_id = store.start_run("cfg", "v1")
    with pytest.raises(ValueError, match="succeeded"):
        store.finish_run(run_id, "running", {})
    store.finish_run(run_id, "failed", {})
    with pytest.raises(StoreError, match="already failed"):
        store.finish_run(run_id, "succeeded", {})
    with pytest.raises(StoreError, match="unknown run"):
        store.finish_run("no-such-run", "succeeded", {})
    assert store.get_run("no-such-run") is None


def test_batches_need_a_running_run(store):
    import pandas as pd

    from canonical.quarantine import quarantine_frame

    run_id = store.start_run("cfg", "v1")
    store.finish_run(run_id, "succeeded", {})
    with pytest.raises(StoreError, match="already succeeded"):
        store.save_source_batch(run_id, "s", pd.DataFrame(), quarantine_frame(), [], 0)


def test_one_registry_run_per_dagster_run(store):
    first = store.run_for_dagster_run("dg-42", "cfg")
    assert store.run_for_dagster_run("dg-42", "cfg") == first
    assert store.find_dagster_run("dg-42")["run_id"] == first
    assert store.find_dagster_run("dg-43") is None
    assert store.run_for_dagster_run("dg-43", "cfg") != first
