"""`ubr run`: the whole Dagster job, in process, on the same instance the UI shows."""

import os
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from canonical.paths import PROJECT_ROOT
from ubr_cli.console import console, fail, stage_lines, table
from ubr_cli.engine_options import Engine, EngineOption, SchedulerOption, check_engine
from ubr_cli.progress import Steps, progress_bar
from ubr_cli.settings import (
    DATA_DIR_OPTION,
    DATABASE_URL_OPTION,
    HOME_OPTION,
    RUN_SHARING_CONFIG_OPTION,
    SOURCES_CONFIG_OPTION,
)

if TYPE_CHECKING:
    from pipelines.settings import RunSettings

# Dagster's console log would print stack traces; failures are summarised as sentences instead.
QUIET_DAGSTER = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
# The instance settings `make` installs too (telemetry off, no pop-up over the UI).
INSTANCE_TEMPLATE = PROJECT_ROOT / "dagster_home_template" / "dagster.yaml"


def ensure_dagster_home(home: Path | None = None) -> Path:
    """The Dagster instance folder, owner-only, with a dagster.yaml (INSTANCE_TEMPLATE unless
    one is there already): `home`, else DAGSTER_HOME, else the git-ignored .dagster_home.
    The environment is left as it is: the caller opens the instance from the folder returned."""
    from registry.private_files import private_dir

    chosen = home or os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home"
    folder = private_dir(Path(chosen).expanduser().resolve())
    settings = folder / "dagster.yaml"
    if not settings.exists():
        settings.write_text(INSTANCE_TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


ACCEPT_CHANGE_OPTION = typer.Option(
    None, "--accept-change", metavar="SOURCE",
    help="Let this source's new batch through although it is empty or beyond its max_change "
    "(config/sources.yaml); repeat for several sources.")
WORKERS_OPTION = typer.Option(
    0, "--workers", min=0, help="Processes the matching step compares and standardises on, side "
    "by side (0: every core this process may use). Lower it on a machine shared with other "
    "work.")
FULL_OPTION = typer.Option(
    False, "--full", help="Retrain the matching model and match every record again, instead "
    "of matching only the records that changed since the last run (docs/incremental.md).")
HELD_BACK_EXIT = 3  # the run succeeded but at least one source's batch was held back


def run(
    config: Path = SOURCES_CONFIG_OPTION,
    data_dir: Path = DATA_DIR_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
    sharing_config: Path | None = RUN_SHARING_CONFIG_OPTION,
    home: Path | None = HOME_OPTION,
    accept_change: list[str] | None = ACCEPT_CHANGE_OPTION,
    workers: int = WORKERS_OPTION,
    full: bool = FULL_OPTION,
    engine: EngineOption = Engine.local,
    scheduler: SchedulerOption = None,
) -> None:
    """Run the whole registry job (ingest, validate, match, publish) in this process.

    The run is recorded in the Dagster instance at DAGSTER_HOME, so `make ui` shows it,
    and in the registry store, whose reconciliation is printed at the end. A source whose
    batch is empty or changed beyond its `max_change` is held back (exit code 3) unless
    named with `--accept-change`. After the first run, a run matches only the records that
    changed since the last one, until the model is due to be trained again (`--full` forces
    a full run). The options reach the job as arguments: the environment is read for their
    defaults only, and left unchanged.
    """
    from pipelines.settings import RunSettings
    from registry.sharing_agreement import ConfigError, load_sharing
    from registry.sharing_policy import SharingError, require_sharing_secrets

    contradiction = check_engine(engine, scheduler)
    if contradiction:
        raise fail(contradiction)
    settings = RunSettings.resolve(config, data_dir, database_url, sharing_config, home)
    try:  # every pseudonym key set and strong before any work, not at the publication
        require_sharing_secrets(load_sharing(settings.sharing_config).agreements)
    except (ConfigError, SharingError) as exc:
        raise fail(str(exc)) from None
    from registry.run_lock import RegistryBusyError, check_free

    try:  # one run at a time per registry: say so now, not from inside the Dagster run
        abandoned = check_free(settings.database_url)
    except RegistryBusyError as exc:
        raise fail(str(exc)) from None
    if abandoned:
        console.print(f"[yellow]marked {len(abandoned)} abandoned registry run(s) failed[/] "
                      f"(their process died holding the registry): {', '.join(abandoned)}")
    dagster_home = ensure_dagster_home()
    console.print(f"UBR run: sources {config}, data {data_dir}")
    if not (full or accept_change) and _nothing_to_do(settings):
        return
    started = time.perf_counter()
    from dagster import DagsterInstance

    from pipelines.definitions import JOB_NAME, build_definitions
    from pipelines.execution import execute_without_capture
    from pipelines.lineage import close_failed_run
    from sources.config import ConfigError

    try:
        definitions = build_definitions(
            settings.sources_config, settings.data_dir, settings.database_url,
            settings.sharing_config, settings.home)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    job = definitions.resolve_job_def(JOB_NAME)
    ops = {**_accept_change_config(config, accept_change or []),
           "record_matches": {"config": {"workers": workers, "full": full,
                                          "engine": engine.value,
                                          "dask_scheduler": scheduler or ""}}}
    if full:  # a full run reads every file again, changed or not
        ops.update(read_everything_config(settings.sources_config))
    run_config = {**QUIET_DAGSTER, "ops": ops}
    run_id = str(uuid.uuid4())  # known beforehand, so the bar can follow the run's steps
    with (DagsterInstance.from_config(str(dagster_home)) as instance,
          progress_bar("starting the job", total=len(job.graph.nodes)) as steps,
          stage_lines(write=steps.say)):
        instance.add_event_listener(run_id, _follow_steps(steps))
        result = execute_without_capture(job, instance, run_config, run_id=run_id)
    seconds = time.perf_counter() - started
    if not result.success:
        failed = sorted({e.step_key for e in result.all_events if e.is_step_failure and e.step_key})
        resources = definitions.resources
        close_failed_run(result.run_id, failed, resources["store"], resources["catalog"])
    held = _print_summary(result.run_id, settings.database_url)
    if not result.success:
        for line in failure_lines(result.all_events):
            console.print(line)
        skipped = [e.step_key for e in result.all_events if e.is_step_skipped]
        if skipped:
            console.print(f"not built (blocked upstream): {', '.join(sorted(set(skipped)))}")
        raise fail(f"run {result.run_id} failed after {seconds:.1f} s; the registry "
                   "published before it is unchanged. See `make ui` for the run's log.")
    if held:
        raise fail(f"run {result.run_id} succeeded in {seconds:.1f} s, but {len(held)} "
                   f"source(s) were held back ({', '.join(held)}): see the sentence above.",
                   code=HELD_BACK_EXIT)
    console.print(f"[green]run {result.run_id} succeeded in {seconds:.1f} s[/]")


def _follow_steps(steps: Steps) -> Callable[[Any], None]:
    """Move the bar as the run's steps start and end (the Dagster instance's event log)."""

    def on_event(entry: Any) -> None:  # an EventLogEntry
        event = entry.dagster_event
        if event is None:
            return
        if event.is_step_start:
            steps.doing(f"step {event.step_key}")
        elif event.is_step_success or event.is_step_failure or event.is_step_skipped:
            steps.advance()

    return on_event


def _nothing_to_do(settings: "RunSettings") -> bool:
    """Say so and return True when a run would publish the same registry as the last one
    (pipelines/pending_work.py); otherwise print why a run is needed."""
    from pipelines.pending_work import pending_work
    from pipelines.resources import run_resources
    from sources.config import ConfigError

    resources = run_resources(settings)
    try:
        work = pending_work(resources["catalog"], resources["store"], resources["sharing"])
    except ConfigError as exc:
        raise fail(str(exc)) from None
    if work.nothing_to_do:
        console.print(f"[green]{work.sentence()}[/]; `ubr run --full` rebuilds anyway.")
        return True
    if work.last_run_id is not None:
        console.print(work.sentence())
    return False


def read_everything_config(config: Path) -> dict[str, object]:
    """Run config that has every source's files read and validated again, even those the
    registry's current batch came from (pipelines/ingestion.py, `read_unchanged`)."""
    from sources.config import load_sources

    return {f"ingested_{s.id}": {"config": {"read_unchanged": True}}
            for s in load_sources(config).sources}


def _accept_change_config(config: Path, sources: list[str]) -> dict[str, object]:
    """Run config letting the named sources' batches through their change limit."""
    from sources.config import load_sources

    known = [s.id for s in load_sources(config).sources]
    unknown = sorted(set(sources) - set(known))
    if unknown:
        raise fail(f"--accept-change names unknown source(s) {', '.join(unknown)}; the sources "
                   f"of {config} are: {', '.join(known)}")
    return {f"validated_{s}": {"config": {"accept_change": True}} for s in sorted(set(sources))}


def failure_lines(events: list) -> list[str]:  # dagster events, imported lazily
    """Why a run failed, one line per failed step, or why it could not start at all
    (a resource refused to start: the registry is busy, a pseudonym key is weak)."""
    lines = []
    for event in events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.user_failure_data
            text = (error.description if error else None) or event.step_failure_data.error
            lines.append(f"[red]step {event.step_key} failed:[/] {_one_line(text)}")
        elif event.event_type_value == "RESOURCE_INIT_FAILURE":
            error = getattr(event.event_specific_data, "error", None)
            lines.append(f"[red]the run could not start:[/] {_one_line(error)}")
    return lines


def _one_line(error: object) -> str:
    """The root cause of a step failure as one line (Dagster wraps it in its own errors)."""
    while getattr(error, "cause", None) is not None:
        error = error.cause  # type: ignore[attr-defined]
    text = (getattr(error, "message", None) or str(error)).strip()
    line = text.splitlines()[0] if text else "unknown error"
    return re.sub(r"^[\w.]+(Error|Exception|Failure): ", "", line)  # the sentence, not the class


def _print_summary(dagster_run_id: str, database_url: str) -> list[str]:
    """Print the run's reconciliation, registry and publication from the store the run was
    given; return held-back sources."""
    from matching.golden.publish import pair_summary
    from registry.store import RegistryStore

    store = RegistryStore(database_url)
    store.migrate()
    run = store.find_dagster_run(dagster_run_id)
    if run is None:
        return []
    console.print(f"registry run {run['run_id']}: {run['status']}")
    batches = store.latest_batches(run["run_id"])
    rows = [[b.source, b.status, f"{b.rows_read:,}", f"{b.rows_accepted:,}",
             f"{b.rows_quarantined:,}"] for b in batches.itertuples()]
    table(f"Reconciliation (registry run {run['run_id']})",
          ["source", "batch", "read", "accepted", "quarantined"], rows)
    held = batches[batches["status"] == "held"]
    for message in held["message"]:
        console.print(f"[yellow]held back:[/] {message}")
    summary = run.get("summary") or {}
    if "businesses" in summary:
        events = ", ".join(f"{kind} {count:,}" for kind, count in summary["events"].items()
                           if count) or "none"
        console.print(f"Registry: {summary['businesses']:,} businesses from "
                      f"{summary['records']:,} source records; events: {events}; "
                      f"{pair_summary(summary)} (`ubr review list`)")
    publication = summary.get("publication")
    if publication:
        shares = ", ".join(f"{ministry} {rows:,}"
                           for ministry, rows in sorted(publication["shares"].items()))
        console.print(f"Published: publication {publication['publication_id']} "
                      f"({publication['businesses']:,} businesses); ministry shares: "
                      f"{shares or 'none'} (`ubr export --ministry M`, `ubr explain ID`)")
    return sorted(held["source"])
