"""Audits of a published registry state: pure functions of its tables, for asset checks.

Each returns an AuditResult whose detail names counts and registry ids only, never a value.
"""

from dataclasses import dataclass

import pandas as pd

from matching.golden.registry_ids import is_valid_registry_id
from matching.identifiers import standardise_business_numbers

_EXAMPLES = 5


@dataclass(frozen=True)
class AuditResult:
    passed: bool
    failures: int
    detail: str


def _result(bad: pd.Series, what: str, ids: pd.Series | None = None) -> AuditResult:
    count = int(bad.sum())
    if not count:
        return AuditResult(True, 0, f"no {what}")
    examples = "" if ids is None else ": " + ", ".join(map(str, ids[bad].head(_EXAMPLES)))
    return AuditResult(False, count, f"{count:,} {what}{examples}")


def records_in_one_business(records: pd.DataFrame, xref: pd.DataFrame) -> AuditResult:
    """Every accepted source record is in the cross-reference exactly once."""
    keys = ["source", "source_record_id"]
    present = records[keys].merge(xref[keys].drop_duplicates(), how="left", indicator=True)
    missing = (present["_merge"] == "left_only").reset_index(drop=True)
    repeated = xref.duplicated(keys, keep=False).reset_index(drop=True)
    if missing.any():
        ids = (present["source"] + ":" + present["source_record_id"]).reset_index(drop=True)
        return _result(missing, "accepted records without a business", ids)
    return _result(repeated, "records in more than one business",
                   (xref["source"] + ":" + xref["source_record_id"]).reset_index(drop=True))


def one_valid_bn_root_per_business(records: pd.DataFrame, xref: pd.DataFrame) -> AuditResult:
    """No business holds two different valid Business Number roots (the cannot-link rule)."""
    bn = standardise_business_numbers(records["business_number"], records["program_accounts"])
    valid = records[["source", "source_record_id"]].assign(bn_root=bn["bn_root"])
    valid = valid[bn["bn_valid"].fillna(False).astype(bool)]
    roots = valid.merge(xref[["source", "source_record_id", "registry_id"]])
    distinct = roots.groupby("registry_id")["bn_root"].nunique()
    offenders = distinct[distinct > 1]
    return _result(pd.Series(True, index=range(len(offenders))),
                   "businesses with two or more valid BN roots",
                   pd.Series(offenders.index, dtype="string"))


def registry_ids_valid(businesses: pd.DataFrame) -> AuditResult:
    """Registry ids are unique and well formed (prefix, sequence, check digit)."""
    ids = businesses["registry_id"].astype("string").reset_index(drop=True)
    malformed = ~ids.map(lambda value: is_valid_registry_id(str(value))).astype(bool)
    duplicated = ids.duplicated(keep=False)
    return _result(malformed | duplicated, "malformed or repeated registry ids", ids)


def events_consistent(businesses: pd.DataFrame, events: pd.DataFrame) -> AuditResult:
    """Events agree with the businesses table: what was created exists, what was retired is.

    Every active business has a `created` event; every id whose last `retired`/`revived`
    event is `retired` is retired and, if merged, points into an active business.
    """
    status = businesses.set_index("registry_id")["status"]
    active = set(status[status == "active"].index)
    created = set(events.loc[events["kind"] == "created", "registry_id"])
    lifecycle = events[events["kind"].isin(["retired", "revived"])]
    if "event_id" in lifecycle.columns:
        lifecycle = lifecycle.sort_values("event_id")
    last = lifecycle.drop_duplicates("registry_id", keep="last")
    retired_events = set(last.loc[last["kind"] == "retired", "registry_id"])
    never_created = pd.Series(sorted(active - created), dtype="string")
    not_retired = pd.Series(sorted(r for r in retired_events if status.get(r) != "retired"),
                            dtype="string")
    target = businesses.loc[businesses["status"] == "retired", ["registry_id", "retired_into"]]
    dangling = target[target["retired_into"].notna() & ~target["retired_into"].isin(active)]
    problems = pd.concat([never_created, not_retired,
                          dangling["registry_id"].astype("string")], ignore_index=True)
    return _result(pd.Series(True, index=problems.index),
                   "businesses whose events disagree with their state", problems)
