"""The nightly schedule and the sensor that runs the job when a source's files change."""

import json

import dagster as dg

from pipelines.pending_work import pending_work, source_file_changes
from pipelines.resources import RegistryStoreResource, SharingConfig, SourceCatalog
from sources.config import ConfigError


def build_nightly_schedule(job_name: str) -> dg.ScheduleDefinition:
    """Every night, a run if anything changed since the last one (pipelines/pending_work.py):
    a night with nothing new is a skipped tick whose reason the UI shows, not a run."""

    @dg.schedule(
        name="nightly_registry_build", job_name=job_name, cron_schedule="0 2 * * *",
        execution_timezone="America/Halifax",
        description="Update the registry every night at 02:00 Atlantic time: an incremental run "
        "(only the records that changed are matched; docs/incremental.md), a full one when "
        "the model is due to be retrained; skipped when nothing changed since the last run.",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
    def _nightly(
        context: dg.ScheduleEvaluationContext, catalog: SourceCatalog,
        store: RegistryStoreResource, sharing: SharingConfig,
    ) -> dg.RunRequest | dg.SkipReason:
        try:
            work = pending_work(catalog, store, sharing)
        except ConfigError as exc:  # the run would fail on it: let it, with its sentence
            context.log.warning(str(exc))
            return dg.RunRequest(tags={"ubr/pending": "configuration unreadable"})
        if work.nothing_to_do:
            return dg.SkipReason(work.sentence())
        return dg.RunRequest(tags={"ubr/pending": "; ".join(work.reasons)[:500]})

    return _nightly


def build_source_files_sensor(job_name: str) -> dg.SensorDefinition:
    """Compare each source's file checksums with what the registry last accepted.

    Comparing with the store rather than with a private cursor means that a run made by hand
    (`ubr run`) counts too: the sensor only starts a run for input the registry has not seen.
    """

    @dg.sensor(name="source_files_changed", job_name=job_name, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description="Starts a run (incremental, docs/incremental.md) when a "
               "source file is new or its checksum changed.")
    def _sensor(
        context: dg.SensorEvaluationContext, catalog: SourceCatalog, store: RegistryStoreResource
    ) -> dg.SensorResult | dg.SkipReason:
        files = source_file_changes(catalog, store.open())
        changed, problems = files.changed, list(files.unreadable.values())
        for problem in problems:
            context.log.warning(problem)
        if not changed:
            return dg.SkipReason("no source file is new or changed"
                                 + (f"; {len(problems)} source(s) unreadable" if problems else ""))
        key = json.dumps(changed, sort_keys=True)
        return dg.SensorResult(run_requests=[dg.RunRequest(
            run_key=key, tags={"ubr/changed_sources": ",".join(sorted(changed))})])

    return _sensor


@dg.run_failure_sensor(name="close_failed_registry_runs",
                       default_status=dg.DefaultSensorStatus.RUNNING,
                       description="Marks the registry run of a failed job run as failed, so "
                       "the runs table never shows a dead run as running, and emits its "
                       "OpenLineage FAIL event.")
def close_failed_registry_runs(
    context: dg.RunFailureSensorContext, store: RegistryStoreResource, catalog: SourceCatalog
) -> None:
    steps = sorted({event.step_key for event in context.get_step_failure_events()
                    if event.step_key})
    from pipelines.lineage import close_failed_run

    if close_failed_run(context.dagster_run.run_id, steps, store, catalog):
        context.log.info(f"registry run of {context.dagster_run.run_id} marked failed")
