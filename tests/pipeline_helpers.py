"""Running the whole Dagster job in tests (no tests here)."""

import dagster as dg

from pipelines.definitions import JOB_NAME, build_definitions


def run_job(instance: dg.DagsterInstance,
            run_config: dict | None = None) -> dg.ExecuteInProcessResult:
    """The job in process on `instance`, configured from the environment the test set."""
    job = build_definitions().resolve_job_def(JOB_NAME)
    return job.execute_in_process(instance=instance, raise_on_error=False,
                                  run_config=run_config)
