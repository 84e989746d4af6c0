"""`ubr explain` and `ubr trace`: the auditor's lineage, read from the registry.

Register in ubr_cli/main.py: `app.command("explain")(explain)`, `app.command("trace")(trace)`.
`explain REGISTRY_ID` shows where every golden value came from (record, rule, run), the
records behind the business and the decisions that joined them; `trace SOURCE ID` follows
one source record run by run. Every call is written to the access log (who, why, how many
rows). Personal values are masked unless `--role steward` (docs/lineage.md).
"""

import json
from enum import StrEnum
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from ubr_cli.console import console, fail
from ubr_cli.settings import DATABASE_URL_OPTION, USER_OPTION, open_store

MEMBER_COLUMNS = ("legal_name", "operating_name", "business_number", "status", "address",
                  "phone", "owner_name")


KEY_COLUMNS = frozenset({"record", "source record", "pair", "registry id", "#", "best match",
                         "registry id after"})


class Role(StrEnum):
    AUDITOR = "auditor"
    STEWARD = "steward"


JSON_OPTION = typer.Option(False, "--json", help="Print everything as JSON instead of tables.")
PURPOSE_OPTION = typer.Option("audit", "--purpose", help="Why you are looking (kept in the "
                              "access log).")
ROLE_OPTION = typer.Option(Role.AUDITOR, "--role", help="auditor: personal values (owners, "
                           "names of sole proprietorships and partnerships) masked; steward: "
                           "shown.")


def _log(store: Any, action: str, purpose: str, user: str | None, rows: int,
         detail: dict[str, Any]) -> None:
    from registry.access_log import current_user, record_access

    try:
        record_access(store.engine, action=action, purpose=purpose, row_count=rows,
                      who=user or current_user(), detail=detail)
    except ValueError as exc:
        raise fail(f"{exc}: give --purpose TEXT") from None


def _text(value: Any) -> str:
    return "" if value is None else escape(str(value))


def _short(run_id: str | None) -> str:
    return (run_id or "")[:8]


def _when(stamp: str | None) -> str:
    return (stamp or "")[:16].replace("T", " ")


def _number(value: float | None, sign: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.2f}" if sign else f"{value:.3f}"


def _print_table(title: str, columns: list[str], rows: list[list[Any]],
                 caption: str | None = None) -> None:
    """A table; record keys and ids are never cut (they are what the reader looks up)."""
    view = Table(title=escape(title), title_justify="left", caption=caption,
                 caption_justify="left")
    for column in columns:
        view.add_column(column, no_wrap=column in KEY_COLUMNS)
    for row in rows:
        view.add_row(*(_text(v) for v in row))
    console.print(view)


def _print_json(result: Any) -> None:
    typer.echo(json.dumps(result, indent=2, ensure_ascii=False))


def _masked_note(result: dict[str, Any]) -> None:
    if result["personal_masked"]:
        console.print("Personal values are masked; `--role steward` shows them.")


def _render_explain(result: dict[str, Any]) -> None:
    rid, status = result["registry_id"], result["status"]
    head = f"[bold]{rid}[/] {status}, {result['member_count']} source record(s)"
    if status == "retired":
        successor = result["active_successor"]
        head += (f"; retired into {_text(result['retired_into'])}" if result["retired_into"]
                 else "; retired with no successor (its records left the input)")
        if successor:
            head += f"; now lives on as {_text(successor)} (`ubr explain {_text(successor)}`)"
    console.print(head)
    _print_table("Golden record: each value, the source record it came from, the rule that "
                 "chose it", ["field", "golden value", "source record", "rule",
                              "value in the record", "run"],
                 [[f["field"], f["value"], f"{f['source']}:{f['source_record_id']}"
                   + ("" if f["member"] else " (no longer a member)"), f["rule"],
                   f["source_value"], _short(f["run_id"])] for f in result["fields"]])
    if result["values"]:
        _print_table("All known values (multi-valued facts)",
                     ["kind", "value", "detail", "source record"],
                     [[v["kind"], v["value"], v["detail"],
                       f"{v['source']}:{v['source_record_id']}"] for v in result["values"]])
    number = {m["record_key"]: f"#{i}" for i, m in enumerate(result["members"], start=1)}

    def named(*keys: str) -> str:
        numbered = sorted(keys, key=lambda k: (len(number.get(k, k)), number.get(k, k)))
        return " ".join(number.get(k, k) for k in numbered)

    records = [{**m["record"], "address": ", ".join(
        str(m["record"][c]) for c in ("address_line", "city", "postal_code")
        if m["record"].get(c))} for m in result["members"]]
    shown = [c for c in MEMBER_COLUMNS if any(r.get(c) for r in records)]
    _print_table("Member source records (cross-reference)", ["#", "record", *shown],
                 [[number[m["record_key"]], m["record_key"], *(r.get(c) for c in shown)]
                  for m, r in zip(result["members"], records, strict=True)])
    matches = result["matches"]
    _print_table("Match decisions between the members (#: member above; evidence: comparison, "
                 "level, weight)", ["pair", "decision", "rule", "probability", "weight", "run",
                                    "evidence"],
                 [[named(m["record_key_l"], m["record_key_r"]), m["decision"],
                   m["rule"] or "model", _number(m["match_probability"]),
                   _number(m["match_weight"], True), _short(m["run_id"]), _evidence(m)]
                  for m in matches],
                 caption=None if matches else "No match evidence between the members (a "
                 "single record, or joined by a steward's decision).")
    if result["steward_decisions"]:
        _print_table("Steward decisions naming the members (append-only log)",
                     ["#", "at", "steward", "judgement", "pair", "reason", "state"],
                     [[d["decision_id"], _when(d["at"]), d["steward"], d["judgement"],
                       named(d["record_key_l"], d["record_key_r"]), d["reason"],
                       _state(d)] for d in result["steward_decisions"]])
    _print_table("Events (this id" + (" and ids merged into it" if result["absorbed_ids"] else "")
                 + ")", ["#", "at", "run", "registry id", "kind", "other id", "record", "reason"],
                 [[e["event_id"], _when(e["at"]), _short(e["run_id"]), e["registry_id"], e["kind"],
                   e["other_registry_id"], f"{e['source']}:{e['source_record_id']}"
                   if e["source"] else None, e["reason"]] for e in result["events"]])
    _runs_table(result)
    _masked_note(result)


def _evidence(match: dict[str, Any]) -> str:
    parts = [f"{c['comparison']} {c['level']} {_number(c['weight'], True)}"
             for c in match["comparisons"] if c["level"] not in (None, "null")]
    if match["blocking_rule"]:
        parts.append(f"(blocked on {match['blocking_rule']})")
    return "; ".join(parts) or "identical records"


def _state(decision: dict[str, Any]) -> str:
    if decision["in_force"]:
        return "in force"
    return f"superseded by #{decision['superseded_by']}" if decision["superseded_by"] \
        else "superseded"


def _runs_table(result: dict[str, Any]) -> None:
    """The runs as key: value blocks (full ids, hashes and checksums, for the record)."""
    first = (result.get("first_run") or {}).get("run_id")
    last = (result.get("last_run") or {}).get("run_id")
    console.print("[bold]Runs involved[/]")
    for run in result["runs"]:
        role = ", ".join(name for name, rid in (("first run of the business", first),
                                                ("last run that changed it", last))
                         if rid == run["run_id"])
        console.print(f"  registry run {_text(run['run_id'])}" + (f" ({role})" if role else ""))
        lines = [("Dagster run", run["dagster_run_id"]), ("status", run["status"]),
                 ("started / finished", f"{_when(run['started_at'])} / "
                                        f"{_when(run['finished_at'])}"),
                 ("code version", run["code_version"]), ("config hash", run["config_hash"]),
                 *((f"input {source}", checksum)
                   for source, checksum in (run["input_checksums"] or {}).items())]
        for label, value in lines:
            console.print(f"    {label:<19} {_text(value)}")


def explain(
    registry_id: str = typer.Argument(..., help="A registry id, e.g. UBR-000000018."),
    as_json: bool = JSON_OPTION,
    role: Role = ROLE_OPTION,
    purpose: str = PURPOSE_OPTION,
    user: str | None = USER_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Where a business's values came from, and which records and decisions made it.

    Each golden field with the source record and rule that gave it, all known values, the
    member records, the match decisions (evidence and scores) and steward decisions that joined
    them, events, and the runs (code version, configuration, input checksums) behind it.
    Example: `ubr explain UBR-000000018`.
    """
    from matching.golden.registry_ids import format_registry_id, is_valid_registry_id
    from registry.lineage import explain as explain_business

    registry_id = registry_id.strip().upper()
    example = format_registry_id(1)
    if not is_valid_registry_id(registry_id):
        raise fail(f"{registry_id!r} is not a registry id: ids are UBR- and nine digits, the "
                   f"last a check digit, e.g. {example}")
    store = open_store(database_url)
    result = explain_business(store.engine, registry_id,
                              include_personal=role is Role.STEWARD)
    rows = len(result["members"]) if result else 0
    _log(store, "explain", purpose, user, rows, {"registry_id": registry_id, "role": role.value})
    if result is None:
        raise fail(f"no business {registry_id} in the registry at {store.url}; ids look like "
                   f"{example}, and `ubr trace SOURCE ID` finds the business of a record")
    if as_json:
        _print_json(result)
    else:
        _render_explain(result)


ALWAYS_SHOWN = ("run", "source batch", "cross-reference", "registry id after")


def _step_row(step: dict[str, Any]) -> dict[str, Any]:
    """One run of a trace as table cells, by column name."""
    run = f"{_short(step['run_id'])} {_when(step['started_at'])}"
    if step["run_status"] != "succeeded":
        run += f" ({step['run_status']})"
    moves = "; ".join(
        f"{c['change']} {c['previous_registry_id'] + ' -> ' if c['previous_registry_id'] else ''}"
        f"{c['registry_id'] or ''}".strip() for c in step["cross_reference"])
    evidence = step["match_evidence"]
    best = evidence["best"] or {}
    return {
        "run": run, "source batch": step["batch_status"] or "not read",
        "quarantine": "; ".join(f"{q['stage']} {q['column'] or ''}: {q['reason']} "
                                f"[{q['state']}]" for q in step["quarantine"]),
        "cross-reference": moves or ("-" if not step["published"] else
                                     "no change" if step["registry_id"] else "not linked"),
        "registry id after": step["registry_id"] or "-",
        "evidence pairs": evidence["pairs"] or None,
        "best match": best.get("other_record_key"),
        "decision": f"{best['decision']} p={_number(best['match_probability'])}" if best
        else None,
        "review queue": "; ".join(f"pair {p['pair_id']} with {p['other_record_key']} "
                                  f"p={_number(p['match_probability'])}"
                                  for p in step["review_queue"]),
    }


def _quiet(step: dict[str, Any]) -> bool:
    return not step["changed"] and not step["review_queue"] and step["batch_status"] in (
        "unchanged", "accepted")


def _render_trace(result: dict[str, Any]) -> None:
    console.print(f"[bold]{_text(result['record_key'])}[/] (source {_text(result['source'])}, "
                  f"record {_text(result['source_record_id'])})")
    current = result["current"]
    if current:
        console.print(f"Now in [bold]{_text(current['registry_id'])}[/] "
                      f"({_text(current['status'])}), linked in run "
                      f"{_short(current['linked_run_id'])}. "
                      f"`ubr explain {_text(current['registry_id'])}` shows the business.")
    else:
        open_rows = [q for q in result["quarantine"] if q["state"] == "open"]
        removed = [(s["run_id"], c) for s in result["runs"] for c in s["cross_reference"]
                   if c["change"] == "removed"]
        reason = ""
        if open_rows:
            reason = f": quarantined ({_text(open_rows[-1]['reason'])})"
        elif removed:
            run_id, change = removed[-1]
            reason = (f": removed from {_text(change['previous_registry_id'])} in run "
                      f"{_short(run_id)} (no longer in its source's input)")
        console.print(f"Not in the registry now{reason}.")
    steps = result["runs"]
    rows: list[dict[str, Any]] = []
    quiet: list[dict[str, Any]] = []
    for index, step in enumerate(steps):
        if _quiet(step) and 0 < index < len(steps) - 1:
            quiet.append(step)
            continue
        if quiet:
            rows.append({"run": f"{len(quiet)} more run(s)", "cross-reference": "no change",
                         "source batch": "", "registry id after": quiet[-1]["registry_id"]})
            quiet = []
        rows.append(_step_row(step))
    columns = [c for c in _step_row(steps[0]) if c in ALWAYS_SHOWN or any(r.get(c) for r in rows)]
    _print_table("Run by run", columns, [[r.get(c) for c in columns] for r in rows])
    if result["history_inferred"]:
        console.print("The record was linked before the cross-reference history was kept: "
                      "its linking run is taken from the cross-reference.")
    if result["record"]:
        record = result["record"]
        _print_table("The record as stored now", ["field", "value"],
                     [[k, v] for k, v in record.items() if v is not None])
    _masked_note(result)


def _unknown_record(store: Any, source: str, record_id: str) -> str:
    import sqlalchemy as sa

    from registry.lineage import trace as trace_record
    from registry.schema import source_batches

    with store.engine.connect() as connection:
        sources = sorted(connection.scalars(sa.select(source_batches.c.source).distinct()))
    message = f"no source record {source}:{record_id} in the registry at {store.url}"
    if sources and source not in sources:
        return f"{message}; the registry has no source {source!r} (known: {', '.join(sources)})"
    prefixed = f"{source}:{record_id}"
    if not record_id.startswith(f"{source}:") and trace_record(store.engine, source, prefixed):
        return f"{message}; did you mean `ubr trace {source} {prefixed}`?"
    return (f"{message}: not among the current records, quarantine or cross-reference history; "
            "record ids are as the readers form them (`ubr explain` lists a business's records)")


def trace(
    source: str = typer.Argument(..., help="The source register, e.g. rjsc."),
    source_record_id: str = typer.Argument(..., help="The record's id in that source, as the "
                                           "registry holds it, e.g. rjsc:3002295."),
    as_json: bool = JSON_OPTION,
    role: Role = ROLE_OPTION,
    purpose: str = PURPOSE_OPTION,
    user: str | None = USER_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Where a source record went, run by run, and which business holds it now.

    Per run: the source batch (read or unchanged), quarantine (why, open or resolved), linked,
    moved or removed (to which registry id), its match evidence (best match) and review pairs.
    Example: `ubr trace rjsc rjsc:3003475` (record ids as the registry holds them).
    """
    from registry.lineage import trace as trace_record

    store = open_store(database_url)
    result = trace_record(store.engine, source, source_record_id,
                          include_personal=role is Role.STEWARD)
    rows = len(result["runs"]) if result else 0
    _log(store, "trace", purpose, user, rows, {"source": source,
                                              "source_record_id": source_record_id,
                                              "role": role.value})
    if result is None:
        raise fail(_unknown_record(store, source, source_record_id))
    if as_json:
        _print_json(result)
    else:
        _render_trace(result)
