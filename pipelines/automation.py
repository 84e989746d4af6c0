"""The nightly schedule and the sensor that runs the job when a source's files change."""

import json

import dagster as dg

from pipelines.pending_work import pending_work, source_file_changes
from pipelines.resources import RegistryStoreResource, SharingConfig, SourceCatalog
from sources.config import ConfigError

NIGHTLY_SCHEDULE = "nightly_registry_build"
FILES_SENSOR = "source_files_changed"
# Shown on the schedule's and the sensor's pages in the UI, where an operator turns them on.
TURN_ON = ("Off until turned on, so that nothing runs by surprise: turn it on here (the toggle) "
           "or with `dagster {kind} start {name} -w workspace.yaml`. It needs the Dagster "
           "daemon: `make ui` (`dagster dev`) runs one, production runs `dagster-daemon run` "
           "with the same environment as the UI (UBR_* settings, pseudonym keys "
           "UBR_SHARING_SECRET_*).")
NIGHTLY_DESCRIPTION = (
    "Every night at 02:00 Atlantic time (America/Halifax), updates the registry: an "
    "incremental run (only the records that changed are matched; docs/incremental.md), a full "
    "one when the model is due to be retrained. A night when nothing changed since the last "
    "run (files, configuration, code, steward decisions, keys) is a skipped tick with its "
    "reason, not a run. " + TURN_ON.format(kind="schedule", name=NIGHTLY_SCHEDULE))
FILES_DESCRIPTION = (
    "Every minute, compares the checksums of each source's files (the files config/sources.yaml "
    "or UBR_SOURCES_CONFIG names, under the data directory UBR_DATA_DIR, both read when the "
    "code location loads) with those the registry last accepted, and starts a run "
    "(incremental, docs/incremental.md) when a file is new or changed. A run made by hand "
    "counts: input the registry already has never starts one. A missing or unreadable file is "
    "a warning on the tick, not a run. "
    + TURN_ON.format(kind="sensor", name=FILES_SENSOR))


def build_nightly_schedule(job_name: str) -> dg.ScheduleDefinition:
    """Every night, a run if anything changed since the last one (pipelines/pending_work.py):
    a night with nothing new is a skipped tick whose reason the UI shows, not a run."""

    @dg.schedule(
        name=NIGHTLY_SCHEDULE, job_name=job_name, cron_schedule="0 2 * * *",
        execution_timezone="America/Halifax",
        description=NIGHTLY_DESCRIPTION,
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


def build_source_files_sensor(job_name: str, watching: str = "") -> dg.SensorDefinition:
    """Compare each source's file checksums with what the registry last accepted; `watching`
    names the sources file and data directory in the description the UI shows.

    Comparing with the store rather than with a private cursor means that a run made by hand
    (`ubr run`) counts too: the sensor only starts a run for input the registry has not seen.
    """

    @dg.sensor(name=FILES_SENSOR, job_name=job_name, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description=FILES_DESCRIPTION + (f" Watching: {watching}." if watching else ""))
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
                       "OpenLineage FAIL event. On by default (it starts no run); it needs the "
                       "Dagster daemon, as the schedule does.")
def close_failed_registry_runs(
    context: dg.RunFailureSensorContext, store: RegistryStoreResource, catalog: SourceCatalog
) -> None:
    steps = sorted({event.step_key for event in context.get_step_failure_events()
                    if event.step_key})
    from pipelines.lineage import close_failed_run

    if close_failed_run(context.dagster_run.run_id, steps, store, catalog):
        context.log.info(f"registry run of {context.dagster_run.run_id} marked failed")
