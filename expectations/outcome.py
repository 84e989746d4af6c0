"""Assemble what validation hands on: quarantine rows, flags, per-expectation results.

Everything here is built from boolean failure arrays and fixed sentences, never from the
values of personal fields, so nothing personal can leak into reasons, results or logs.
"""

from typing import Any

import numpy as np
import pandas as pd

from canonical.quarantine import quarantine_frame, raw_json
from canonical.schema import DATE_FIELDS, PERSONAL_FIELDS
from expectations.catalogue import SIN_CHECK, Check
from expectations.severity import Severity

MAX_SAMPLES = 5


def _raw_records(rows: pd.DataFrame) -> list[str]:
    """JSON of each canonical row (SINs already removed), dates as ISO dates."""
    shown = rows.copy()
    for column in DATE_FIELDS & set(shown.columns):
        shown[column] = shown[column].dt.strftime("%Y-%m-%d")
    shown = shown.astype(object).where(shown.notna(), None)
    return [raw_json(r) for r in shown.to_dict("records")]


def quarantine_rows(
    source_id: str,
    frame: pd.DataFrame,
    checks: list[Check],
    fails: dict[str, np.ndarray],
    sin_fields: pd.Series,
) -> tuple[pd.DataFrame, np.ndarray]:
    """One quarantine row per row failing any blocking check, naming every failed check."""
    blocking = [c for c in checks if c.severity is Severity.BLOCKING]
    bad = np.zeros(len(frame), dtype=bool)
    for check in blocking:
        bad |= fails[check.name]
    idx = np.flatnonzero(bad)
    if len(idx) == 0:
        return quarantine_frame(), bad
    names = np.full(len(idx), "", dtype=object)
    columns = np.full(len(idx), "", dtype=object)
    counts = np.zeros(len(idx), dtype=int)
    for check in blocking:
        hit = fails[check.name][idx]
        if not hit.any():
            continue
        text = f"{check.name} ({check.reason})"
        names[hit] = names[hit] + np.where(names[hit] == "", "", "; ") + text
        if check.name == SIN_CHECK:
            cols = sin_fields.to_numpy(object)[idx][hit]
        else:
            cols = np.full(int(hit.sum()), ",".join(check.columns), dtype=object)
        columns[hit] = columns[hit] + np.where(columns[hit] == "", "", ",") + cols
        counts[hit] += 1
    rows = frame.iloc[idx]
    reasons = np.char.add(
        np.char.add("failed ", counts.astype(str)),
        np.where(counts == 1, " blocking expectation: ", " blocking expectations: "),
    ).astype(object) + names
    # Each column named once, in order of first appearance.
    columns = np.array([",".join(dict.fromkeys(c.split(","))) for c in columns], dtype=object)
    quarantine = pd.DataFrame({
        "source": source_id,
        "source_file": rows["source_file"].to_numpy(),
        "source_line": rows["source_line"].to_numpy(),
        "source_record_id": rows["source_record_id"].to_numpy(),
        "stage": "validate",
        "column": columns,
        "reason": reasons,
        "raw_record": _raw_records(rows),
    })
    return quarantine_frame(quarantine.to_dict("records")), bad


def flag_rows(
    frame: pd.DataFrame, checks: list[Check], fails: dict[str, np.ndarray], blocked: np.ndarray
) -> pd.DataFrame:
    """Rows that pass but failed warning checks: id and the expectation names."""
    names = np.full(len(frame), "", dtype=object)
    for check in checks:
        if check.severity is Severity.WARNING:
            hit = fails[check.name] & ~blocked
            if hit.any():
                names[hit] = names[hit] + np.where(names[hit] == "", "", ";") + check.name
    flagged = names != ""
    return pd.DataFrame({
        "source_record_id": frame["source_record_id"].to_numpy()[flagged],
        "source_line": frame["source_line"].to_numpy()[flagged],
        "expectations": names[flagged],
    }).astype({"source_record_id": "string", "source_line": "Int64", "expectations": "string"})


def _samples(check: Check, frame: pd.DataFrame, fail: np.ndarray) -> list[Any]:
    """A few failing values, only from non-personal columns, never for the SIN check."""
    column = check.sample_column
    if (column is None or column in PERSONAL_FIELDS or check.name == SIN_CHECK
            or check.name.endswith("_present") or not fail.any()):
        return []
    values = frame[column][fail].dropna()
    if pd.api.types.is_datetime64_dtype(values.dtype):
        values = values.dt.strftime("%Y-%m-%d")
    return [str(v) for v in values.unique()[:MAX_SAMPLES]]


def expectation_results(
    checks: list[Check],
    fails: dict[str, np.ndarray],
    gx_results: dict[str, dict[str, Any]],
    frame: pd.DataFrame,
) -> list[dict[str, Any]]:
    """Per expectation: GX's verdict and counts, our predicate's count, a few safe samples."""
    rows = max(len(frame), 1)
    out = []
    for check in checks:
        fail = fails[check.name]
        ours = int(fail.sum())
        gx = gx_results.get(check.name, {})
        gx_count = gx.get("unexpected_count")
        out.append({
            "name": check.name,
            "column": ",".join(check.columns) or "any string field",
            "severity": str(check.severity),
            "kind": check.kind.value,
            "success": bool(gx.get("success", ours == 0)),
            "unexpected_count": int(gx_count) if gx_count is not None else ours,
            "unexpected_percent": float(gx.get("unexpected_percent") or 100.0 * ours / rows),
            "predicate_unexpected_count": ours,
            "agrees_with_gx": gx_count is not None and int(gx_count) == ours,
            "sample_values": _samples(check, frame, fail),
            "gx_exception": gx.get("exception"),
        })
    return out
