"""The whole Dagster job, materialised in process, on SQLite and on PostgreSQL."""

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from pipeline_helpers import run_job
from test_openlineage_events import load_spec
from test_openlineage_events import validate as validate_event

from pipelines.definitions import build_definitions
from pipelines.lineage import close_failed_run
from pipelines.resources import RegistryStoreResource
from registry.golden_store import GoldenStore
from registry.publication import list_publications, read_share
from registry.sharing_agreement import load_sharing
from registry.store import RegistryStore
from sources.demo import generate_demo_registers


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_demo_registers(out, businesses=300, seed=7)
    return out


def test_definitions_load_with_an_asset_and_checks_per_source():
    definitions = build_definitions()
    keys = {key.to_user_string() for key in definitions.resolve_all_asset_keys()}
    for source in ("rjsc", "wcb", "revenue", "permits"):
        assert {f"ingested_{source}", f"validated_{source}"} <= keys
    assert "canonical_records" in keys
    checks = {(k.asset_key.to_user_string(), k.name)
              for k in definitions.resolve_asset_graph().asset_check_keys}
    assert ("ingested_rjsc", "reconciliation") in checks
    assert ("validated_permits", "expectations") in checks
    assert definitions.resolve_schedule_def("nightly_registry_build")
    assert definitions.resolve_sensor_def("source_files_changed")


def test_job_ingests_every_source_reconciles_and_rerun_changes_nothing(environment, demo_dir):
    with dg.DagsterInstance.ephemeral() as instance:
        first = run_job(instance)
        assert first.success
        store = RegistryStore(environment)
        run = store.find_dagster_run(first.run_id)
        batches = store.latest_batches(run["run_id"]).set_index("source")
        assert set(batches.index) == {"rjsc", "wcb", "revenue", "permits"}
        assert (batches["status"] == "accepted").all()
        assert (batches["rows_read"] == batches["rows_accepted"]
                + batches["rows_quarantined"]).all()
        records = store.load_source_records()
        answer = pd.read_csv(demo_dir / "answer_key.csv")
        quarantined = store.list_quarantine(open_only=True, limit=100_000)
        # Nothing lost: every generated row is accepted or quarantined, exactly once.
        assert len(records) + len(quarantined) == len(answer)
        assert set(records["source_record_id"]) <= set(answer["source_record_id"])
        materialised = first.asset_materializations_for_node("ingested_rjsc")[0].metadata
        assert materialised["rows_read"].value == batches.at["rjsc", "rows_read"]

        golden = GoldenStore(store)
        xref = golden.table("cross_reference")
        assert len(xref) == len(records)  # every accepted record in exactly one business
        assert not xref.duplicated(["source", "source_record_id"]).any()
        businesses = golden.table("businesses")
        assert set(xref["registry_id"]) == set(businesses["registry_id"])
        run = store.get_run(run["run_id"])
        assert run["status"] == "succeeded"  # the publication asset closes the registry run
        assert set(run["input_checksums"]) == {"rjsc", "wcb", "revenue", "permits"}
        assert run["summary"]["publication"]["businesses"] == len(businesses)
        checks = {e.check_name: e.passed for e in first.get_asset_check_evaluations()}
        assert checks["shares_honour_agreements"] is True
        audits = {"one_business_per_record", "one_valid_bn_root", "registry_ids_valid",
                  "events_consistent"}  # one step reads the registry once for all four
        assert {name: checks.get(name) for name in audits} == dict.fromkeys(audits, True)
        published = first.asset_materializations_for_node("registry_publication")[0].metadata
        shares = published["shares"].value
        assert set(shares) == {"rjsc", "wcb", "revenue", "permits"}
        assert shares["revenue"] == len(businesses) > shares["permits"] > 0
        assert "wcb.business_number" in published["dagster/column_lineage"].value.deps_by_column
        events = [json.loads(line) for line in
                  (Path(os.environ["UBR_HOME"]) / "openlineage" / "events.jsonl").open()]
        assert [(e["eventType"], e["run"]["runId"]) for e in events] == [
            ("START", run["run_id"]), ("COMPLETE", run["run_id"])]
        schemas = load_spec()
        for event in events:  # the job's own events, against the OpenLineage schemas
            validate_event(event, schemas)
        complete = events[1]
        assert {d["name"].rsplit("/", 2)[-2] for d in complete["inputs"]} == {
            "rjsc", "wcb", "revenue", "permits"}
        shares = {d["name"] for d in complete["outputs"]}
        assert any(".ubr_share_permits." in name for name in shares)

        second = run_job(instance)
        assert second.success
        second_run = store.find_dagster_run(second.run_id)["run_id"]
        kept = list_publications(store.engine)
        assert [p.run_id for p in kept] == [second_run, run["run_id"]]
        for agreement in load_sharing().agreements:  # same input: the same shares
            columns = agreement.visible_columns()
            pd.testing.assert_frame_equal(
                read_share(store.engine, agreement.id, columns, kept[0].publication_id)[1],
                read_share(store.engine, agreement.id, columns, kept[1].publication_id)[1])
        rerun = store.latest_batches(second_run)
        assert set(rerun["status"]) == {"unchanged"}
        assert golden.table("events", run_id=second_run).empty  # same input: no events
        pd.testing.assert_frame_equal(
            xref.sort_values(["source", "source_record_id"]).reset_index(drop=True)[
                ["source", "source_record_id", "registry_id"]],
            golden.table("cross_reference").sort_values(["source", "source_record_id"])
            .reset_index(drop=True)[["source", "source_record_id", "registry_id"]])
        after = store.load_source_records()
        pd.testing.assert_frame_equal(
            records.sort_values("source_record_id").reset_index(drop=True),
            after.sort_values("source_record_id").reset_index(drop=True))


def test_a_source_failing_as_a_whole_blocks_downstream_and_keeps_what_was_stored(
    environment, demo_dir, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    monkeypatch.setenv("UBR_DATA_DIR", str(data))
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_job(instance).success
        store = RegistryStore(environment)
        before = store.load_source_records(["rjsc"])

        companies = data / "rjsc" / "companies.csv"
        frame = pd.read_csv(companies, dtype=str, keep_default_na=False)
        frame.loc[frame.index[: len(frame) // 3], "Postal Code"] = "ZZZ 999"
        frame.to_csv(companies, index=False)

        blocked = run_job(instance)
        assert not blocked.success
        check = next(e for e in blocked.get_asset_check_evaluations()
                     if e.asset_key == dg.AssetKey("validated_rjsc")
                     and e.check_name == "expectations")
        assert not check.passed
        assert "rjsc" in check.description and "postal" in check.description.lower()
        built = {e.asset_key for e in blocked.get_asset_materialization_events()}
        assert dg.AssetKey("validated_rjsc") in built
        assert dg.AssetKey("canonical_records") not in built
        after = store.load_source_records(["rjsc"])
        pd.testing.assert_frame_equal(before, after)
        run = store.find_dagster_run(blocked.run_id)
        batches = store.latest_batches(run["run_id"]).set_index("source")
        assert batches.at["rjsc", "status"] == "blocked"
        assert batches.at["rjsc", "rows_quarantined"] >= len(frame) // 3
        # `ubr run` and the run-failure sensor close the registry run of a failed job run.
        published = [p.run_id for p in list_publications(store.engine)]
        assert run["run_id"] not in published and len(published) == 1
        assert close_failed_run(blocked.run_id, ["validated_rjsc_expectations"])
        assert store.get_run(run["run_id"])["status"] == "failed"
        assert not close_failed_run(blocked.run_id, [])  # already closed
        events = [json.loads(line) for line in
                  (Path(os.environ["UBR_HOME"]) / "openlineage" / "events.jsonl").open()]
        assert events[-1]["eventType"] == "FAIL" and events[-1]["run"]["runId"] == run["run_id"]
        assert "validated_rjsc_expectations" in json.dumps(events[-1]["run"]["facets"])
        assert not RegistryStoreResource(database_url=environment).fail_run(blocked.run_id, [])


@pytest.mark.parametrize("secret", [None, "too-short-for-a-key"])
def test_a_run_without_a_usable_pseudonym_key_stops_before_any_work(
    demo_dir, sqlite_url, tmp_path, monkeypatch, secret
):
    """Checked when the run starts (it failed after 16 s, at the publication, before)."""
    monkeypatch.setenv("UBR_DATA_DIR", str(demo_dir))
    monkeypatch.setenv("UBR_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("UBR_HOME", str(tmp_path / "home"))
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_job(instance).success
        store = RegistryStore(sqlite_url)
        before = list_publications(store.engine)
        if secret is None:
            monkeypatch.delenv("UBR_SHARING_SECRET_WCB")
        else:
            monkeypatch.setenv("UBR_SHARING_SECRET_WCB", secret)
        failed = run_job(instance)
    assert not failed.success
    assert not any(e.is_step_success or e.is_step_failure for e in failed.all_events)
    (init,) = [e for e in failed.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE"]
    assert "UBR_SHARING_SECRET_WCB" in str(init.event_specific_data.error)
    assert secret is None or secret not in str(init.event_specific_data.error)
    assert store.find_dagster_run(failed.run_id) is None  # no registry run was started
    assert list_publications(store.engine) == before


def test_ubr_run_says_why_a_run_could_not_start(demo_dir, sqlite_url, tmp_path, monkeypatch):
    """A resource that refuses to start (here: a weak key) is reported as a sentence."""
    from ubr_cli.run import failure_lines

    monkeypatch.setenv("UBR_DATA_DIR", str(demo_dir))
    monkeypatch.setenv("UBR_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("UBR_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("UBR_SHARING_SECRET_WCB", "Xy7qWeak")
    with dg.DagsterInstance.ephemeral() as instance:
        failed = run_job(instance)
    (line,) = failure_lines(failed.all_events)
    assert line.startswith("[red]the run could not start:[/]")
    assert "UBR_SHARING_SECRET_WCB" in line and "32" in line and "Xy7qWeak" not in line
    assert "Traceback" not in line and "Failure:" not in line
