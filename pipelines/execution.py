"""Running the job in this process without keeping every step's output until the run ends.

`JobDefinition.execute_in_process` captures each step's output value (for
`result.output_for_node`), so every frame the job made stayed referenced until the run
ended: each step's peak stood on all the outputs before it. At 100,000 businesses the golden
step began with 2.0 GiB resident; at 1,000,000 with ~15 GiB, and the job did not fit in
23.5 GiB. The outputs already go to Parquet through the registry's IO manager
(pipelines/stage_io.py); nothing reads them back from memory. This runs the job the same way
(same in-process executor, instance, run id and events) with output capture off, through
Dagster's own in-process entry point, which its public method wraps with capture on.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.execution.execute_in_process import core_execute_in_process


def execute_without_capture(job: dg.JobDefinition, instance: dg.DagsterInstance,
                            run_config: Mapping[str, Any], run_id: str | None = None,
                            raise_on_error: bool = False) -> dg.ExecuteInProcessResult:
    """`job.execute_in_process(...)`, except that no step's output is held in memory."""
    return core_execute_in_process(
        run_config=run_config, job=InMemoryJob(job_def=job), instance=instance,
        output_capturing_enabled=False, raise_on_error=raise_on_error,
        run_tags=dict(job.run_tags), run_id=run_id)
