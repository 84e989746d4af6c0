"""`ubr report`: reports for the partner ministries, starting with their contribution.

`ubr report contributions` shows, per ministry register, what it brings to the registry:
records, businesses, overlaps with the other registers, golden values that came from it and
the quality of its register (docs/contribution.md). Counts and shares only, never a record
value. Every report is written to the access log.
"""

import io
import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ubr_cli.console import console, fail
from ubr_cli.settings import (
    DATABASE_URL_OPTION,
    SOURCES_CONFIG_OPTION,
    USER_OPTION,
    open_store,
)

report_app = typer.Typer(
    help="Reports for the partner ministries: what each register contributes to the registry.",
    no_args_is_help=True,
)

DEFAULT_PURPOSE = "partner contribution report"


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


FORMAT_OPTION = typer.Option(ReportFormat.TABLE, "--format", "-f", help="table (for reading), "
                             "json (every figure and table) or csv (one row per register).")
OUT_OPTION = typer.Option(None, "--out", "-o", help="Write to this file instead of the screen.")


def _count(value: Any) -> str:
    return f"{int(value):,}"


def _pct(value: Any) -> str:
    return f"{100 * float(value):.1f}%"


def _new_table(title: str, columns: list[str], text_columns: int = 1) -> Table:
    """Text in the first `text_columns` columns (left), figures after them (right)."""
    view = Table(title=title, title_justify="left")
    for index, column in enumerate(columns):
        text = index < text_columns
        view.add_column(column, justify="left" if text else "right", no_wrap=index == 0)
    return view


def _batch(row: dict[str, Any]) -> str:
    if not row["batch_status"]:
        return "none yet"
    return f"{row['batch_status']} {row['batch_recorded_at']:%Y-%m-%d}"


def _overview(out: Console, rows: list[dict[str, Any]], active: int) -> None:
    """All registers side by side: one column per register, one line per figure."""
    sources = [row["source"] for row in rows]
    lines: list[tuple[str, Any]] = [
        ("Ministry", lambda r: escape(r["ministry"])),
        ("Latest batch that read files", _batch),
        ("  rows read / accepted / quarantined", lambda r: f"{_count(r['rows_read'])} / "
         f"{_count(r['rows_accepted'])} / {_count(r['rows_quarantined'])}"),
        ("  quarantine rate", lambda r: _pct(r["quarantine_rate"])),
        ("Current accepted records", lambda r: _count(r["current_records"])),
        ("Open quarantine rows", lambda r: _count(r["open_quarantine"])),
        ("Records in the registry", lambda r: _count(r["registry_records"])),
        ("Businesses it appears in", lambda r: f"{_count(r['businesses'])} "
         f"({_pct(r['business_share'])})"),
        ("Businesses only it knows", lambda r: _count(r["businesses_only_here"])),
        *((f"Businesses shared with {other}",
           lambda r, other=other: "-" if r["source"] == other
           else _count(r[f"shared_with_{other}"])) for other in sources),
        ("Golden values it supplied", lambda r: f"{_count(r['golden_values'])} "
         f"({_pct(r['golden_value_share'])})"),
        ("Completeness of its mapped fields", lambda r: _pct(r["completeness"])),
        ("Records with a business number", lambda r: _pct(r["business_number_share"])),
        ("Records matched to another register", lambda r: _pct(r["matched_share"])),
        ("Businesses holding 2+ of its records", lambda r: f"{_count(r['duplicate_businesses'])}"
         f" ({_count(r['duplicate_records'])} records)"),
    ]
    view = _new_table(f"What each register contributes to the registry "
                      f"({active:,} active businesses)", ["", *sources])
    for label, value in lines:
        view.add_row(label, *(str(value(row)) for row in rows))
    out.print(view)
    out.print("`ubr report contributions --source S` shows one register in detail; "
              "docs/contribution.md explains every figure.")


def _detail(out: Console, detail: Any) -> None:
    """One register: sentences first, then the tables behind them."""
    r = detail.summary
    out.print(f"[bold]{escape(detail.ministry)}[/] ({detail.source})")
    if r["batch_status"]:
        out.print(f"Latest batch that read files: {_batch(r)}: {_count(r['rows_read'])} rows "
                  f"read, {_count(r['rows_accepted'])} accepted, "
                  f"{_count(r['rows_quarantined'])} quarantined "
                  f"({_pct(r['quarantine_rate'])}).")
    else:
        out.print("No batch of this register has been read yet.")
    out.print(f"Current accepted records: {_count(r['current_records'])}; open quarantine "
              f"rows: {_count(r['open_quarantine'])}.")
    out.print(f"In the registry: {_count(r['registry_records'])} records in "
              f"{_count(r['businesses'])} businesses ({_pct(r['business_share'])} of the "
              f"registry's {detail.active_businesses:,}); {_count(r['businesses_only_here'])} "
              "of them known to no other register.")
    out.print(f"Golden values it supplied: {_count(r['golden_values'])} "
              f"({_pct(r['golden_value_share'])} of all golden values).")
    out.print(f"Quality: {_pct(r['completeness'])} of its mapped fields filled, "
              f"{_pct(r['business_number_share'])} of its records with a business number, "
              f"{_pct(r['matched_share'])} matched to another register; businesses holding "
              f"2+ of its records: {_count(r['duplicate_businesses'])}.")
    view = _new_table("Businesses shared with the other registers",
                      ["register", "ministry", "shared", "of its businesses",
                       "of their businesses"], text_columns=2)
    for o in detail.overlaps.itertuples():
        view.add_row(o.other_source, escape(o.ministry), _count(o.shared_businesses),
                     _pct(o.share_of_its_businesses), _pct(o.share_of_their_businesses))
    out.print(view)
    view = _new_table("Golden fields: values that came from this register",
                      ["field", "from it", "businesses with the field", "share"])
    for f in detail.fields.itertuples():
        view.add_row(f.field, _count(f.won), _count(f.businesses_with_field), _pct(f.share))
    out.print(view)
    view = _new_table("Completeness of its mapped fields (current records)",
                      ["field", "filled", "records", "share"])
    for c in detail.completeness.itertuples():
        view.add_row(c.field, _count(c.filled), _count(c.records), _pct(c.share))
    out.print(view)
    if detail.quarantine_reasons.empty:
        out.print("No open quarantine rows.")
        return
    view = _new_table("Open quarantine rows by reason", ["stage", "column", "reason", "rows"],
                      text_columns=3)
    for q in detail.quarantine_reasons.itertuples():
        view.add_row(q.stage, escape(q.column or "-"), escape(q.reason), _count(q.rows))
    out.print(view)
    out.print(f"`ubr quarantine list --source {detail.source}` lists them.")


def _json(details: list[Any]) -> str:
    document = {"report": "contributions", "generated_at": datetime.now(UTC).isoformat(),
                "registry_active_businesses": details[0].active_businesses,
                "sources": [detail.to_dict() for detail in details]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _emit(text: str, out: Path | None, what: str) -> None:
    if out is None:
        typer.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", newline="")  # CSV lines end as written (CRLF)
    console.print(f"Wrote the {what} to {out}.")


@report_app.command("contributions")
def contributions(
    source: str | None = typer.Option(None, "--source", "-s", help="One register (its id in "
                                      "config/sources.yaml) in detail; default all of them."),
    format: ReportFormat = FORMAT_OPTION,  # noqa: A002 - the option's name
    out: Path | None = OUT_OPTION,
    purpose: str = typer.Option(DEFAULT_PURPOSE, help="Why, for the access log."),
    user: str | None = USER_OPTION,
    sources_config: Path = SOURCES_CONFIG_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """What each ministry register contributes: records, businesses, overlaps with the other
    registers, golden values that came from it, and the quality of its register."""
    from registry.access_log import record_access
    from registry.contribution import (
        UnknownSourceError,
        contribution_detail,
        contribution_details,
        contribution_report,
    )
    from registry.csv_safety import write_safe_csv
    from sources.config import ConfigError, load_sources

    if not purpose.strip():
        raise fail("--purpose is empty: the access log needs the reason for this report")
    try:
        config = load_sources(sources_config)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    store = open_store(database_url)
    try:
        if format is ReportFormat.CSV:
            frame = contribution_report(store.engine, source, sources=config)
            rows = len(frame)
            text = write_safe_csv(frame, date_format="%Y-%m-%dT%H:%M:%S%z")
            _emit(text or "", out, "contribution report (CSV)")
        else:
            details = ([contribution_detail(store.engine, source, sources=config)]
                       if source is not None
                       else contribution_details(store.engine, sources=config))
            rows = len(details)
            if format is ReportFormat.JSON:
                _emit(_json(details), out, "contribution report (JSON)")
            else:
                text = io.StringIO()
                screen = console if out is None else Console(
                    file=text, width=160, color_system=None, soft_wrap=False)
                if source is not None:
                    _detail(screen, details[0])
                else:
                    _overview(screen, [d.summary for d in details],
                              details[0].active_businesses)
                if out is not None:
                    _emit(text.getvalue(), out, "contribution report")
    except UnknownSourceError as exc:
        raise fail(str(exc)) from None
    record_access(store.engine, action="report", purpose=purpose, row_count=rows, who=user,
                  detail={"report": "contributions", "source": source,
                          "format": format.value})
