"""`ubr quarantine`: what did not reach the registry, why, and whether it has been fixed."""

import json

import typer
from rich.markup import escape

from ubr_cli.console import console, fail, table
from ubr_cli.settings import DATABASE_URL_OPTION, USER_OPTION, open_store

quarantine_app = typer.Typer(
    help="Triage quarantined rows: counts by reason, lists, and single records. Rows fixed "
    "at the source pass on the next run and leave quarantine; their history is kept.",
    no_args_is_help=True,
)


@quarantine_app.command("counts")
def counts(
    run_id: str | None = typer.Option(None, help="Count one registry run's rows instead of "
                                      "the open ones."),
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Open quarantined rows counted by source, stage, column and reason."""
    frame = open_store(database_url).quarantine_counts(run_id)
    if frame.empty:
        console.print("Quarantine is empty: every row read was accepted.")
        return
    table("Quarantined rows" + (f" of run {run_id}" if run_id else " (open)"),
          ["source", "stage", "column", "reason", "rows"], frame.values.tolist())
    console.print(f"{int(frame['rows'].sum()):,} rows in all. "
                  "`ubr quarantine list --source S` shows them.")


@quarantine_app.command("list")
def list_rows(
    source: str | None = typer.Option(None, help="Only this source."),
    include_resolved: bool = typer.Option(False, "--all", help="Also rows since resolved."),
    limit: int = typer.Option(50, min=1, help="At most this many rows, newest first."),
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Quarantined rows with file, line and reason (no record values: see `show`)."""
    frame = open_store(database_url).list_quarantine(
        source=source, open_only=not include_resolved, limit=limit)
    if frame.empty:
        console.print("No quarantined rows match.")
        return
    for row in frame.itertuples():
        state = "open" if row.open else "resolved"
        detail = escape(f"{row.source} {row.source_file} line {row.source_line} "
                        f"{row.source_record_id or '(no id)'} [{row.stage}, {state}] "
                        f"{row.column or '-'}: {row.reason}")
        console.print(f"[bold]#{row.quarantine_id}[/] {detail}")
    console.print(f"{len(frame)} row(s). `ubr quarantine show ID` shows one.")


@quarantine_app.command("show")
def show(
    quarantine_id: int = typer.Argument(..., help="Id from `ubr quarantine list`."),
    raw: bool = typer.Option(False, "--raw", help="Also print the row as read. It may hold "
                             "personal information: use only to fix the source. The read is "
                             "written to the access log."),
    user: str | None = USER_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """One quarantined row: where it came from, why, and whether it has been resolved."""
    store = open_store(database_url)
    row = store.get_quarantine_row(quarantine_id)
    if row is None:
        raise fail(f"no quarantined row with id {quarantine_id}; "
                   "`ubr quarantine list` shows the ids")
    for key in ("quarantine_id", "source", "source_file", "source_line", "source_record_id",
                "stage", "column", "reason", "run_id", "quarantined_at", "resolved_run_id",
                "open"):
        if key in row:
            console.print(f"{key:>17}: {row[key]}")
    if raw:
        from registry.access_log import record_access

        record_access(store.engine, action="quarantine_raw", purpose="fix a source register",
                      row_count=1, who=user, detail={"quarantine_id": quarantine_id,
                                                     "source": row.get("source")})
        console.print(json.dumps(json.loads(row["raw_record"] or "{}"), ensure_ascii=False,
                                 indent=2))
