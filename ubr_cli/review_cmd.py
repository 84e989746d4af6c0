"""`ubr review`: the steward's queue of uncertain pairs, and decisions that hold on every run.

Register in ubr_cli/main.py:  `app.add_typer(review_app, name="review")`.
Pairs are named by a stable id derived from their two record keys (the same on every run).
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
    help="Review uncertain matches: list the queue, show a pair side by side, decide, unmerge, "
    "move or link a record, undo. Decisions are kept (who, when, why) and hold on every later "
    "run. The same work in a browser: `ubr serve`, then /review (docs/steward-review.md).",
    no_args_is_help=True,
)

ROLE_OPTION = typer.Option("viewer", "--role", help="Your role; only 'steward' sees personal "
                           "fields (owner name and home address) unmasked.")


def _desk(database_url: str | None):  # noqa: ANN202 - StewardDesk, imported lazily
    from registry.golden_store import GoldenStore
    from registry.steward_desk import StewardDesk

    return StewardDesk(GoldenStore(open_store(database_url)))


def _done(action: Any) -> None:  # noqa: ANN401 - a desk method's call, run here
    """Run a desk action; its refusal becomes the command's error sentence."""
    from registry.steward_desk import StewardError

    try:
        console.print(escape(action().message))
    except StewardError as exc:
        raise fail(str(exc)) from None


PAIR_ARGUMENT = typer.Argument(..., help="Pair id from `ubr review list` (the same every run).")
STEWARD_OPTION = typer.Option(..., "--steward", help="Who decides.")
REASON_OPTION = typer.Option(..., "--reason", help="Why (kept with the decision).")


@review_app.command("list")
def list_pairs(
    include_decided: bool = typer.Option(False, "--all", help="Also pairs already decided."),
    source: str | None = typer.Option(None, help="Only pairs with a record of this source."),
    limit: int = typer.Option(20, min=1, help="At most this many pairs, by priority."),
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """The review queue by priority: closest to the auto-match threshold, largest first."""
    from registry.steward_desk import EVERY, PENDING, QueueFilter

    desk = _desk(database_url)
    every = desk.queue(QueueFilter(status=EVERY, source=source))
    if every.empty:
        console.print("The review queue is empty.")
        return
    shown = every if include_decided else desk.queue(QueueFilter(status=PENDING, source=source))
    rows = [[r.pair_id, r.priority, f"{r.match_probability:.3f}", f"{r.match_weight:+.1f}",
             r.record_key_l, r.registry_id_l, r.record_key_r, r.registry_id_r, r.business_size,
             "pending" if not isinstance(r.judgement, str) else f"{r.judgement} ({r.steward})"]
            for r in shown.head(limit).itertuples()]
    table(f"Review queue of run {every['run_id'].iloc[0]}",
          ["pair", "priority", "probability", "weight", "left record", "left business",
           "right record", "right business", "records", "judgement"], rows)
    pending = int((~every["judgement"].isin(["same", "different"])).sum())
    console.print(f"{pending:,} pending of {len(every):,} pairs. "
                  "`ubr review show PAIR` shows one side by side.")


@review_app.command("show")
def show(
    pair_id: str = PAIR_ARGUMENT,
    role: str = ROLE_OPTION,
    user: str | None = USER_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Two records side by side with the evidence, the business each is in and the decisions.

    The read is written to the access log (who, role, pair)."""
    from matching.golden.steward import mask_personal
    from registry.access_log import record_access
    from registry.lineage_common import evidence_items
    from registry.steward_desk import StewardError, side_by_side

    desk = _desk(database_url)
    try:
        pair = desk.pair(pair_id)
    except StewardError as exc:
        raise fail(str(exc)) from None
    record_access(desk.golden.engine, action="review", row_count=2, who=user,
                  purpose="steward review of a candidate pair",
                  detail={"pair_id": pair["pair_id"], "role": role})
    left = mask_personal(pair["record_l"] or {}, role)
    right = mask_personal(pair["record_r"] or {}, role)
    rows = [[r["field"], r["left"], r["right"]] for r in side_by_side(left, right)]
    business_l, business_r = pair["business_l"] or {}, pair["business_r"] or {}
    rows.insert(0, ["business now", f"{business_l.get('registry_id')} "
                    f"({len(business_l.get('members', []))} records)",
                    f"{business_r.get('registry_id')} "
                    f"({len(business_r.get('members', []))} records)"])
    table(f"Pair {pair['pair_id']}: probability {pair['match_probability']:.3f}, "
          f"match weight {pair['match_weight']:+.2f}", ["field", "left", "right"], rows)
    evidence = pair["evidence"] or {}
    table("Evidence", ["comparison", "level", "weight"],
          [[item["comparison"], item["level"], f"{item['weight'] or 0:+.2f}"]
           for item in evidence_items(evidence)])
    if evidence.get("rule"):
        console.print(f"rule: {escape(str(evidence['rule']))}")
    for row in pair["decisions"]:
        console.print(escape(f"decision #{row['decision_id']} {row['at']:%Y-%m-%d %H:%M} "
                             f"{row['steward']}: {row['judgement']} ({row['reason']})"))
    console.print(f"`ubr review decide {pair['pair_id']} --same|--different|--unsure "
                  "--steward NAME --reason TEXT` records a decision.")


@review_app.command("decide")
def decide(
    pair_id: str = PAIR_ARGUMENT,
    same: bool = typer.Option(False, "--same", help="The two records are one business."),
    different: bool = typer.Option(False, "--different", help="They are two businesses."),
    unsure: bool = typer.Option(False, "--unsure", help="Cannot tell: keep it for later."),
    steward: str = STEWARD_OPTION,
    reason: str = REASON_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Record a decision; it supersedes any earlier one on the pair and holds on every run."""
    chosen = [name for name, flag in (("same", same), ("different", different),
                                      ("unsure", unsure)) if flag]
    if len(chosen) != 1:
        raise fail("give exactly one of --same, --different, --unsure")
    desk = _desk(database_url)
    _done(lambda: desk.decide(pair_id, chosen[0], steward, reason))


@review_app.command("unmerge")
def unmerge(
    registry_id: str = typer.Argument(..., help="The business to split into its records."),
    steward: str = STEWARD_OPTION,
    reason: str = REASON_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Split a business back into its source records: `different` between every two of them."""
    desk = _desk(database_url)
    _done(lambda: desk.unmerge(registry_id, steward, reason))


@review_app.command("move")
def move(
    record_key: str = typer.Argument(..., help="The record, as source:source_record_id."),
    registry_id: str = typer.Argument(..., help="The business it belongs to."),
    steward: str = STEWARD_OPTION,
    reason: str = REASON_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Move one record to another business (apart from the records it is with now)."""
    desk = _desk(database_url)
    _done(lambda: desk.move(record_key, registry_id, steward, reason))


@review_app.command("link")
def link(
    record_key: str = typer.Argument(..., help="The record, as source:source_record_id."),
    registry_id: str = typer.Argument(..., help="The business it (and its business) joins."),
    steward: str = STEWARD_OPTION,
    reason: str = REASON_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Link a record, with the business it is in, to another business."""
    desk = _desk(database_url)
    _done(lambda: desk.link(record_key, registry_id, steward, reason))


@review_app.command("log")
def log(
    limit: int = typer.Option(30, min=1, help="At most this many actions, newest first."),
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """The decision log, one line per action (an unmerge counts once), newest first."""
    actions = _desk(database_url).log(limit)
    if actions.empty:
        console.print("No steward decision yet.")
        return
    table("Steward decisions", ["decision", "when", "steward", "action", "judgement", "pairs",
                                "in force", "business", "reason"],
          [[f"#{a.decision_id}", f"{a.at:%Y-%m-%d %H:%M}", a.steward, a.scope, a.judgement,
            a.pairs, a.in_force, a.registry_id or "", a.reason] for a in actions.itertuples()])
    console.print("`ubr review undo DECISION --steward NAME --reason TEXT` takes one back.")


@review_app.command("undo")
def undo(
    decision_id: int = typer.Argument(..., help="A decision number from `ubr review log`."),
    steward: str = STEWARD_OPTION,
    reason: str = REASON_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Take back an earlier decision or a whole unmerge, move or link."""
    desk = _desk(database_url)
    _done(lambda: desk.undo(decision_id, steward, reason))
