"""Shared pieces of the lineage queries (registry/lineage.py, registry/lineage_trace.py).

Values leave these modules as JSON-ready data (ISO text for timestamps and dates). Personal
values are masked unless the caller asks for them (the steward role): owner fields, and the
names of businesses that may be a person (registry/personal_names.py: sole proprietorships,
partnerships, and businesses of unknown type without a corporate legal form).
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from canonical.schema import PERSONAL_FIELDS
from registry.bulk import chunks
from registry.golden_schema import golden_runs
from registry.personal_names import NAME_FIELDS, PERSON_BUSINESS_TYPES, name_may_be_personal
from registry.schema import runs, source_records

MASK = "(personal: steward role only)"
NAME_VALUE_KINDS = frozenset({"legal_name", "operating_name"})
RECORD_COLUMNS = tuple(c.name for c in source_records.c
                       if c.name not in ("source", "source_record_id"))
RUN_COLUMNS = ("run_id", "dagster_run_id", "status", "code_version", "config_hash",
               "input_checksums", "started_at", "finished_at", "summary")
MAX_HOPS = 50  # retired_into chains and merge histories are short; this only stops a cycle


def record_key(source: str, source_record_id: str) -> str:
    """The key steward decisions and match evidence use: `source:source_record_id`."""
    return f"{source}:{source_record_id}"


def split_record_key(key: str) -> tuple[str, str]:
    source, _, record_id = key.partition(":")
    return source, record_id


def plain(value: Any) -> Any:
    """A value as JSON can hold it (timestamps and dates as ISO text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def as_row(mapping: Any, columns: Iterable[str] | None = None) -> dict[str, Any]:
    names = list(columns) if columns is not None else list(mapping.keys())
    return {name: plain(mapping[name]) for name in names}


def names_are_personal(business: dict[str, Any] | None,
                       record: dict[str, Any] | None = None) -> bool:
    """The business's (or, without one, the record's) names may be a person's."""
    if business is not None and not name_may_be_personal(business.get("business_type"),
                                                         business.get("legal_form")):
        return bool(record and record.get("business_type") in PERSON_BUSINESS_TYPES)
    return True


def mask_value(value: Any, field: str, personal_names: bool, include_personal: bool) -> Any:
    if include_personal or value is None:
        return value
    if field in PERSONAL_FIELDS or (personal_names and field in NAME_FIELDS):
        return MASK
    return value


def mask_record(record: dict[str, Any], personal_names: bool,
                 include_personal: bool) -> dict[str, Any]:
    return {k: mask_value(v, k, personal_names, include_personal) for k, v in record.items()}


def read_runs(connection: sa.Connection, run_ids: Iterable[str | None]) -> list[dict[str, Any]]:
    """Run rows by id, oldest first."""
    wanted = sorted({r for r in run_ids if r})
    found = []
    for chunk in chunks(wanted):
        found += connection.execute(sa.select(*(runs.c[c] for c in RUN_COLUMNS)).where(
            runs.c.run_id.in_(chunk))).mappings().all()
    rows = [as_row(r, RUN_COLUMNS) for r in found]
    return sorted(rows, key=lambda r: (r["started_at"] or "", r["run_id"]))


def golden_run_ids(connection: sa.Connection) -> list[str]:
    """Runs that published the registry, oldest first (one small row per run)."""
    return list(connection.scalars(sa.select(golden_runs.c.run_id).order_by(
        golden_runs.c.published_at, golden_runs.c.run_id)))


def read_source_records(connection: sa.Connection,
                    keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Current source records by (source, source_record_id), read through the primary key.

    One `source = ? AND source_record_id IN (...)` per source: SQLite plans a list of row
    values `(a, b) IN ((..), (..))` as a table scan, so tuples are not used here.
    """
    by_source: dict[str, list[str]] = {}
    for source, record_id in keys:
        by_source.setdefault(source, []).append(record_id)
    sr = source_records.c
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for source, ids in sorted(by_source.items()):
        for chunk in chunks(sorted(set(ids))):
            for row in connection.execute(sa.select(source_records).where(
                    sr.source == source, sr.source_record_id.in_(chunk))).mappings():
                out[(row["source"], row["source_record_id"])] = as_row(row, RECORD_COLUMNS)
    return out


def evidence_items(evidence: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The per-comparison evidence (level, weight, term-frequency adjustment) as rows."""
    evidence = evidence or {}
    names = sorted({k.rsplit("_", 1)[0] for k in evidence if k.endswith("_level")})
    return [{"comparison": n, "level": evidence.get(f"{n}_level"),
             "weight": evidence.get(f"{n}_weight"),
             "tf_adjustment": evidence.get(f"{n}_tf_adjustment")} for n in names]


def match_row(row: Any) -> dict[str, Any]:
    evidence = row["evidence"] or {}
    return {"run_id": row["run_id"], "record_key_l": row["record_key_l"],
            "record_key_r": row["record_key_r"], "decision": row["decision"],
            "rule": row["rule"], "match_probability": row["match_probability"],
            "match_weight": row["match_weight"],
            "blocking_rule": evidence.get("blocking_rule"),
            "comparisons": evidence_items(evidence)}
