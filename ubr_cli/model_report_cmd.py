"""`ubr report model`: the match model report, one offline HTML page (docs/model-report.md).

From a `ubr dedupe --out DIR` folder (`--from-dedupe DIR`) or from a registry run
(`--run-id RUN`, default the latest published run). The command only picks the reader and
writes the page; the figures live in `model_report/` and the engine's maths in `matching/`.
"""

from pathlib import Path
from typing import Annotated

import typer

from ubr_cli.console import console, fail
from ubr_cli.settings import DATABASE_URL_OPTION, HOME_OPTION, USER_OPTION, open_store

PURPOSE = "match model report"


def _pair(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    left, sep, right = value.partition(",")
    if not sep or not left.strip() or not right.strip():
        raise fail("--pair takes two record keys separated by a comma: LEFT,RIGHT "
                   "(as the report names them, e.g. sites_a.csv:628,sites_b.csv:1503)")
    return left.strip(), right.strip()


def model_report(
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Folder to write model_report.html to.", show_default=False)],
    from_dedupe: Annotated[Path | None, typer.Option(
        "--from-dedupe", help="A folder written by `ubr dedupe --out` (model.json, "
        "pairs.csv, clusters.csv, blocking.json).", show_default=False)] = None,
    run_id: Annotated[str | None, typer.Option(
        "--run-id", help="A registry run id or its Dagster run id (default: the latest "
        "published run). Not with --from-dedupe.", show_default=False)] = None,
    pair: Annotated[str | None, typer.Option(
        "--pair", help="The pair whose evidence the waterfall shows, LEFT,RIGHT record "
        "keys (default: a pair near the auto-match threshold).", show_default=False)] = None,
    database_url: str | None = DATABASE_URL_OPTION,
    home: Path | None = HOME_OPTION,
    user: str | None = USER_OPTION,
) -> None:
    """What the match model learnt and how it scores, as one HTML page that opens offline.

    m and u per comparison level, the match-weight distribution with the thresholds, one
    pair's evidence as a waterfall, cluster sizes, blocking rules with their estimated recall,
    and the model's own precision and recall against the threshold. No record value is shown.

    Examples: ubr report model --from-dedupe out/ --out report/;
    ubr report model --out report/ (the registry's latest run)
    """
    from model_report.inputs import ReportError
    from model_report.page import write_report

    if from_dedupe is not None and run_id is not None:
        raise fail("--from-dedupe and --run-id name two different runs: give one of them")
    wanted = _pair(pair)
    try:
        if from_dedupe is not None:
            from model_report.dedupe_output import inputs_from_dedupe

            inputs = inputs_from_dedupe(from_dedupe)
            path = write_report(inputs, out, wanted)
        else:
            path = _from_registry(out, run_id, wanted, database_url, home, user)
    except ReportError as exc:
        raise fail(str(exc)) from None
    console.print(f"Wrote the model report to {path}")


def _from_registry(out: Path, run_id: str | None, wanted: tuple[str, str] | None,
                   database_url: str | None, home: Path | None, user: str | None) -> Path:
    """The report of a registry run; the read is in the access log like every report."""
    from model_report.page import write_report
    from model_report.registry_run import inputs_from_run
    from registry.access_log import record_access
    from registry.database import configured_home, store_home

    store = open_store(database_url)
    inputs = inputs_from_run(store, store_home(store.url, configured_home(home)), run_id)
    path = write_report(inputs, out, wanted)
    record_access(store.engine, action="report", purpose=PURPOSE, row_count=len(inputs.pairs),
                  who=user, detail={"report": "model", "source": inputs.source})
    return path
