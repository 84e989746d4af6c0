"""A header-only or shrunken extract is held back; an operator can accept a genuine change.

The hostile tester's case: replacing the companies CSV with its header line passed as an
empty batch, removed 4,461 records, retired 517 businesses and published; restoring the file
gave 514 new ids. Here that batch is held back (the registry keeps the previous one), and
once the change is accepted and later undone, the businesses come back under their old ids.
"""

import re
import shutil
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from canonical.paths import DEFAULT_SOURCES_CONFIG
from expectations.change_limit import judge_change
from pipelines.definitions import JOB_NAME, build_definitions
from registry.golden_store import GoldenStore
from registry.store import RegistryStore
from sources.demo import generate_demo_registers

COMPANIES = Path("rjsc") / "companies.csv"


def test_the_verdict_holds_empty_and_large_changes_and_names_the_way_out():
    assert judge_change("rjsc", 0, 4461, 0.2).held
    assert judge_change("rjsc", 0, None, 0.2).held  # an empty first batch too
    shrunk = judge_change("rjsc", 3000, 4461, 0.2)
    assert shrunk.held and "-32.8%" in shrunk.reason and "20%" in shrunk.reason
    assert "ubr run --accept-change rjsc" in shrunk.reason
    assert not judge_change("rjsc", 4000, 4461, 0.2).held  # -10%: within the limit
    assert not judge_change("rjsc", 5000, None, 0.2).held  # the first batch
    accepted = judge_change("rjsc", 0, 4461, 0.2, accepted_by_operator=True)
    assert not accepted.held and "accepted by the operator" in accepted.reason


def _run(accept: tuple[str, ...] = ()) -> dg.ExecuteInProcessResult:
    config = {"ops": {f"validated_{s}": {"config": {"accept_change": True}} for s in accept}}
    with dg.DagsterInstance.ephemeral() as instance:
        return build_definitions().resolve_job_def(JOB_NAME).execute_in_process(
            instance=instance, run_config=config, raise_on_error=False)


def _check(result: dg.ExecuteInProcessResult, source: str) -> dg.AssetCheckEvaluation:
    (found,) = [e for e in result.get_asset_check_evaluations()
                if e.check_name == "change_limit"
                and e.asset_key == dg.AssetKey(f"validated_{source}")]
    return found


@pytest.fixture
def demo(tmp_path, monkeypatch, database_url) -> tuple[Path, RegistryStore]:
    data = tmp_path / "data"
    generate_demo_registers(data, businesses=300, seed=5)
    monkeypatch.setenv("UBR_DATA_DIR", str(data))
    monkeypatch.setenv("UBR_DATABASE_URL", database_url)
    monkeypatch.setenv("UBR_HOME", str(tmp_path / "home"))
    # `ubr run` exports its settings for the job; monkeypatch restores them afterwards.
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("UBR_SOURCES_CONFIG", str(DEFAULT_SOURCES_CONFIG))
    return data, RegistryStore(database_url)


def test_a_header_only_extract_is_held_back_then_accepted_then_restored_ids_revive(demo):
    data, store = demo
    assert _run().success
    golden = GoldenStore(store)
    before = golden.table("cross_reference").set_index("source_record_id")["registry_id"]
    rjsc_records = len(store.load_source_records(["rjsc"]))
    active = set(golden.table("businesses").query("status == 'active'")["registry_id"])
    original = (data / COMPANIES).read_text(encoding="utf-8")
    header = original.splitlines()[0] + "\n"
    shutil.copy(data / COMPANIES, data / "companies.keep")
    (data / COMPANIES).write_text(header, encoding="utf-8")

    held = _run()
    assert held.success  # the other registers are still brought up to date
    check = _check(held, "rjsc")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "no accepted rows" in check.description and "--accept-change rjsc" in check.description
    run = store.find_dagster_run(held.run_id)
    batches = store.latest_batches(run["run_id"]).set_index("source")
    assert batches.at["rjsc", "status"] == "held"
    assert len(store.load_source_records(["rjsc"])) == rjsc_records  # nothing removed
    assert set(golden.table("businesses").query("status == 'active'")["registry_id"]) == active
    assert _check(held, "wcb").passed
    assert golden.table("events", run_id=run["run_id"]).empty  # a held run changes nothing

    accepted = _run(accept=("rjsc",))
    assert accepted.success and _check(accepted, "rjsc").passed
    assert len(store.load_source_records(["rjsc"])) == 0
    retired = set(golden.table("businesses").query("status == 'retired'")["registry_id"])
    assert retired, "businesses known only to the companies registry are retired"

    shutil.copy(data / "companies.keep", data / COMPANIES)
    restored = _run()
    assert restored.success
    after = golden.table("cross_reference").set_index("source_record_id")["registry_id"]
    rjsc_ids = [i for i in before.index if str(i).startswith("rjsc")]
    assert (after.loc[rjsc_ids] == before.loc[rjsc_ids]).all(), "every record rejoins its id"
    assert set(golden.table("businesses").query("status == 'active'")["registry_id"]) == active
    events = golden.table("events")
    assert set(events.loc[events["kind"] == "revived", "registry_id"]) == retired


def test_a_shrink_beyond_max_change_is_held_and_ubr_run_says_so(demo):
    data, store = demo
    assert _run().success
    lines = (data / COMPANIES).read_text(encoding="utf-8").splitlines(keepends=True)
    (data / COMPANIES).write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    from ubr_cli.main import app

    result = CliRunner().invoke(app, ["run", "--data-dir", str(data)])
    assert result.exit_code == 3, result.output
    assert "held back" in result.output and "--accept-change rjsc" in result.output
    unknown = CliRunner().invoke(app, ["run", "--data-dir", str(data), "--accept-change", "nope"])
    assert unknown.exit_code == 1 and "unknown source(s) nope" in unknown.output
    accepted = CliRunner().invoke(app, ["run", "--data-dir", str(data),
                                        "--accept-change", "rjsc", "--workers", "1", "--full"])
    assert accepted.exit_code == 0, accepted.output
    assert "accepted by the operator" in accepted.output
    # the options reach the steps as Dagster run config, visible in the UI's launchpad
    run_id = re.search(r"run ([0-9a-f-]{36}) succeeded in", accepted.output).group(1)
    from ubr_cli.run import ensure_dagster_home

    with dg.DagsterInstance.from_config(str(ensure_dagster_home())) as instance:
        ops = instance.get_run_by_id(run_id).run_config["ops"]
    assert ops["record_matches"]["config"] == {"workers": 1, "full": True,
                                              "engine": "local", "dask_scheduler": ""}
    assert ops["validated_rjsc"]["config"] == {"accept_change": True}
    refused = CliRunner().invoke(app, ["run", "--data-dir", str(data), "--workers", "-1"])
    assert refused.exit_code == 2 and "--workers" in refused.output
