"""The change limit: a batch that empties or reshapes a register is held back, not applied.

A header-only extract once passed validation as an empty batch and retired hundreds of
businesses. Compared with the source's previous accepted batch, a new batch is held back
when it has no accepted rows, or when its accepted rows differ by more than the source's
`max_change` (config/sources.yaml, default 0.2 = 20 %). The registry then keeps the previous
batch; an operator who knows the change is genuine lets it through
(`ubr run --accept-change SOURCE`).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ChangeVerdict:
    """Whether a source's new batch may replace its previous one, and why, in one sentence."""

    held: bool
    rows: int
    previous_rows: int | None  # None: the source never had an accepted batch
    change: float | None  # (rows - previous) / previous; None when not defined
    reason: str  # empty when the batch passes without comment


def judge_change(source_id: str, rows: int, previous_rows: int | None, max_change: float,
                 accepted_by_operator: bool = False) -> ChangeVerdict:
    """Hold back an empty batch, or one whose size changed by more than `max_change`."""
    change = (rows - previous_rows) / previous_rows if previous_rows else None
    before = "no earlier batch" if previous_rows is None else f"{previous_rows:,} before"
    if rows == 0:
        problem = f"the new batch has no accepted rows ({before})"
    elif change is not None and abs(change) > max_change:
        problem = (f"the new batch has {rows:,} accepted rows against {previous_rows:,} in the "
                   f"previous accepted batch ({change:+.1%}, beyond the {max_change:.0%} "
                   "max_change of config/sources.yaml)")
    else:
        return ChangeVerdict(False, rows, previous_rows, change, "")
    if accepted_by_operator:
        return ChangeVerdict(False, rows, previous_rows, change,
                             f"Source '{source_id}': {problem}; accepted by the operator.")
    return ChangeVerdict(True, rows, previous_rows, change, (
        f"Source '{source_id}': {problem}, so it is held back and the registry keeps the "
        f"previous batch; if the change is genuine, run `ubr run --accept-change {source_id}`."))
