"""The same registry as before: ids, golden values, cross-reference and shares on a demo.

tests/data/registry_fingerprint_demo300.json holds the digests (tests/registry_fingerprint.py)
of the registry the job built from the 300-business demo (seed 7) at commit 92907b2, before
the whole-job work of issue 12 (golden stage as a plan, no non-match evidence kept, versioned
publications). A change that alters the registry on purpose regenerates the file with
`UBR_UPDATE_FINGERPRINT=1` and says why in its commit.
"""

import json
import os
from pathlib import Path

import dagster as dg
import pytest
from pipeline_helpers import run_job
from registry_fingerprint import registry_fingerprint

from sources.demo import generate_demo_registers

EXPECTED = Path(__file__).parent / "data" / "registry_fingerprint_demo300.json"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_demo_registers(out, businesses=300, seed=7)
    return out


def test_job_builds_the_same_registry_as_before(environment):
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_job(instance).success
    _assert_recorded_registry(environment)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_dask_engine_builds_the_same_registry(environment):
    """The matching step on a 2-worker Dask cluster (issue 15): the very same registry."""
    config = {"ops": {"record_matches": {"config": {"engine": "dask", "workers": 2}}}}
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_job(instance, config)
        assert result.success
        lines = [e.message or "" for e in instance.all_logs(result.run_id)]
    assert any("engine: Dask, 2 worker(s)" in line for line in lines)
    _assert_recorded_registry(environment)


def _assert_recorded_registry(environment: str) -> None:
    found = registry_fingerprint(environment)
    if os.environ.get("UBR_UPDATE_FINGERPRINT") == "1":
        EXPECTED.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n")
    expected = json.loads(EXPECTED.read_text())
    differing = sorted(name for name in expected.keys() | found.keys()
                       if expected.get(name) != found.get(name))
    assert not differing, f"the registry differs from the recorded one in: {differing}"
