"""`ubr run` runs the job without keeping every step's output in memory until the run ends.

Dagster's `execute_in_process` holds each step's output value for the result; the job's
frames then pile up, each step's peak on top of all the outputs before it (pipelines/
execution.py). Counted here as the pandas frames still alive after the run: the public
method leaves the job's frames behind, the job as `ubr run` runs it leaves none.
"""

import gc

import dagster as dg
import pandas as pd
import pytest

from pipelines.definitions import JOB_NAME, build_definitions
from pipelines.execution import execute_without_capture
from sources.demo import generate_demo_registers

BIG = 200  # rows: the demo's registers and match results, not small lookup frames


def _frames_alive() -> set[int]:
    gc.collect()
    return {id(o) for o in gc.get_objects() if isinstance(o, pd.DataFrame) and len(o) >= BIG}


@pytest.fixture
def job_environment(tmp_path, monkeypatch):
    data = tmp_path / "data"
    generate_demo_registers(data, businesses=300, seed=4)
    monkeypatch.setenv("UBR_DATA_DIR", str(data))

    def fresh_store(name: str) -> None:
        monkeypatch.setenv("UBR_DATABASE_URL", f"sqlite:///{tmp_path / name}.sqlite")
        monkeypatch.setenv("UBR_HOME", str(tmp_path / f"{name}_home"))

    return fresh_store


@pytest.mark.parametrize("capture", [True, False])
def test_the_job_leaves_no_step_output_in_memory(job_environment, capture):
    job_environment("captured" if capture else "uncaptured")
    before = _frames_alive()
    with dg.DagsterInstance.ephemeral() as instance:
        job = build_definitions().resolve_job_def(JOB_NAME)
        if capture:  # Dagster's public method: the outputs stay with the result
            result = job.execute_in_process(instance=instance, raise_on_error=False)
        else:
            result = execute_without_capture(job, instance, {})
        assert result.success
        left = _frames_alive() - before
    if capture:
        assert len(left) >= 3  # the registers, the canonical records, the match result...
    else:
        assert left == set()
    assert result.asset_materializations_for_node("golden_records")  # events are all there
