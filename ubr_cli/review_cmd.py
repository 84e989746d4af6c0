"""`ubr review`: the steward's queue of uncertain pairs, and decisions that hold on every run.

Register in ubr_cli/main.py:  `app.add_typer(review_app, name="review")`.
Decisions go to the append-only log (registry table steward_decisions) and are applied on the
next run: `same` forces the link, `different` forbids it (splitting a business if needed).
Personal fields (owners' names and home addresses) are shown only with `--role steward`.
"""

from typing import Any

import typer
from rich.markup import escape

from ubr_cli.console import console, fail, table
from ubr_cli.settings import DATABASE_URL_OPTION, USER_OPTION, open_store

review_app = typer.Typer(
    help="Review uncertain matches: list the queue, show a pair side by side, decide, unmerge. "
    "Decisions are kept (who, when, why) and hold on every later run.",
    no_args_is_help=True,
)

ROLE_OPTION = typer.Option("viewer", "--role", help="Your role; only 'steward' sees personal "
                           "fields (owner name and home address) unmasked.")
RECORD_FIELDS = (
    "source", "source_record_id", "legal_name", "operating_name", "business_type", "legal_form",
    "business_number", "program_accounts", "status", "registration_date", "status_date",
    "address_type", "address_line", "city", "province", "postal_code", "phone", "email",
    "naics_code", "employee_band", "permit_number", "permit_type", "owner_name",
    "owner_address_line", "owner_city", "owner_postal_code",
)


def _golden(database_url: str | None):  # noqa: ANN202 - GoldenStore, imported lazily
    from registry.golden_store import GoldenStore

    return GoldenStore(open_store(database_url))


def _in_force(golden: Any) -> Any:
    from matching.golden.steward import judgements_in_force

    return judgements_in_force(golden.steward_decisions())


@review_app.command("list")
def list_pairs(
    run_id: str | None = typer.Option(None, help="A published run (default: the latest)."),
    include_decided: bool = typer.Option(False, "--all", help="Also pairs already decided."),
    limit: int = typer.Option(20, min=1, help="At most this many pairs, by priority."),
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """The review queue by priority: closest to the auto-match threshold, largest first."""
    golden = _golden(database_url)
    queue = golden.review_queue(run_id)
    if queue.empty:
        console.print("The review queue is empty.")
        return
    decided = _in_force(golden)[["record_key_l", "record_key_r", "judgement", "steward"]]
    queue = queue.merge(decided, on=["record_key_l", "record_key_r"], how="left")
    pending = ~queue["judgement"].isin(["same", "different"])
    shown = queue if include_decided else queue[pending]
    rows = [[r.pair_id, r.priority, f"{r.match_probability:.3f}", f"{r.match_weight:+.1f}",
             r.record_key_l, r.registry_id_l, r.record_key_r, r.registry_id_r, r.business_size,
             "pending" if not isinstance(r.judgement, str) else f"{r.judgement} ({r.steward})"]
            for r in shown.head(limit).itertuples()]
    table(f"Review queue of run {queue['run_id'].iloc[0]}",
          ["pair", "priority", "probability", "weight", "left record", "left business",
           "right record", "right business", "records", "judgement"], rows)
    console.print(f"{int(pending.sum()):,} pending of {len(queue):,} pairs. "
                  "`ubr review show PAIR` shows one side by side.")


@review_app.command("show")
def show(
    pair_id: int = typer.Argument(..., help="Pair number from `ubr review list`."),
    role: str = ROLE_OPTION,
    user: str | None = USER_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Two records side by side with the evidence: comparison levels, weights and score.

    The read is written to the access log (who, role, pair)."""
    from matching.golden.steward import mask_personal
    from registry.access_log import record_access
    from registry.lineage_common import evidence_items

    golden = _golden(database_url)
    pair = golden.review_pair(pair_id)
    if pair is None:
        raise fail(f"no review pair {pair_id}; `ubr review list` shows the pairs")
    record_access(golden.engine, action="review", purpose="steward review of a candidate pair",
                  row_count=2, who=user, detail={"pair_id": pair_id, "role": role})
    left = mask_personal(golden.source_record(pair["record_key_l"]) or {}, role)
    right = mask_personal(golden.source_record(pair["record_key_r"]) or {}, role)
    rows = [[name, left.get(name), right.get(name)] for name in RECORD_FIELDS
            if left.get(name) is not None or right.get(name) is not None]
    rows.insert(0, ["registry id", pair["registry_id_l"], pair["registry_id_r"]])
    table(f"Pair {pair_id}: probability {pair['match_probability']:.3f}, "
          f"match weight {pair['match_weight']:+.2f}", ["field", "left", "right"], rows)
    evidence = pair["evidence"] or {}
    table("Evidence", ["comparison", "level", "weight"],
          [[item["comparison"], item["level"], f"{item['weight'] or 0:+.2f}"]
           for item in evidence_items(evidence)])
    if evidence.get("rule"):
        console.print(f"rule: {escape(str(evidence['rule']))}")
    history = golden.table("steward_decisions", record_key_l=pair["record_key_l"],
                           record_key_r=pair["record_key_r"])
    for row in history.sort_values("decision_id").itertuples():
        console.print(escape(f"decision #{row.decision_id} {row.at:%Y-%m-%d %H:%M} "
                             f"{row.steward}: {row.judgement} ({row.reason})"))
    console.print(f"`ubr review decide {pair_id} --same|--different|--unsure "
                  "--steward NAME --reason TEXT` records a decision.")


@review_app.command("decide")
def decide(
    pair_id: int = typer.Argument(..., help="Pair number from `ubr review list`."),
    same: bool = typer.Option(False, "--same", help="The two records are one business."),
    different: bool = typer.Option(False, "--different", help="They are two businesses."),
    unsure: bool = typer.Option(False, "--unsure", help="Cannot tell: keep it for later."),
    steward: str = typer.Option(..., "--steward", help="Who decides."),
    reason: str = typer.Option(..., "--reason", help="Why (kept with the decision)."),
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Record a decision; it supersedes any earlier one on the pair and holds on every run."""
    chosen = [name for name, flag in (("same", same), ("different", different),
                                      ("unsure", unsure)) if flag]
    if len(chosen) != 1:
        raise fail("give exactly one of --same, --different, --unsure")
    golden = _golden(database_url)
    pair = golden.review_pair(pair_id)
    if pair is None:
        raise fail(f"no review pair {pair_id}; `ubr review list` shows the pairs")
    from matching.golden.steward import ordered_pair

    try:
        (decision_id,) = golden.record_decisions(
            [ordered_pair(pair["record_key_l"], pair["record_key_r"])], chosen[0], steward,
            reason)
    except ValueError as exc:
        raise fail(str(exc)) from None
    console.print(f"Decision #{decision_id}: {pair['record_key_l']} and {pair['record_key_r']} "
                  f"are {chosen[0]}. It applies from the next run.")


@review_app.command("unmerge")
def unmerge(
    registry_id: str = typer.Argument(..., help="The business to split into its records."),
    steward: str = typer.Option(..., "--steward", help="Who decides."),
    reason: str = typer.Option(..., "--reason", help="Why (kept with the decision)."),
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Split a business back into its source records: `different` between every two of them."""
    from matching.golden.steward import unmerge_pairs

    golden = _golden(database_url)
    business = golden.business(registry_id)
    if business is None:
        raise fail(f"no business {registry_id}")
    if business["status"] != "active":
        raise fail(f"{registry_id} is {business['status']}; unmerge an active business")
    members = golden.members(registry_id)
    if len(members) < 2:
        raise fail(f"{registry_id} has {len(members)} source record(s): nothing to unmerge")
    try:
        ids = golden.record_decisions(unmerge_pairs(members), "different", steward, reason,
                                      scope="unmerge", registry_id=registry_id)
    except ValueError as exc:
        raise fail(str(exc)) from None
    console.print(f"Unmerge of {registry_id}: {len(ids)} 'different' decisions over "
                  f"{len(members)} records. From the next run each record stands alone; "
                  f"{registry_id} stays with one of them and the others get new ids.")
