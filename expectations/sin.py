"""Social insurance numbers: find them in any string field and remove them before storage.

A SIN is never stored, logged or shown, so this runs first, before any other check sees the
frame (GX results and Data Docs quote unexpected values).

The rule: a value holds a SIN-like number when it contains a run of 9 digits, written
together (046454286) or in groups of three separated by a space or hyphen (046 454 286,
046-454-286), not touching other digits, that passes `stdnum.ca.sin` (Luhn check digit, first
digit not 0 or 8) or, starting with 0, passes stdnum's Luhn check (sample and test SINs).
A Business Number root has the same shape and the same Luhn check, so:
- the `business_number` field is never scanned;
- a number equal to the record's own BN root (e.g. a permit number that is the BN) is not a SIN;
- lineage fields written by the readers (`source`, `source_file`, `record_hash`) are not
  scanned; `source_record_id` is, because it is formed from source columns;
- fields listed in `sin_exempt_fields` (config/expectations.yaml) are not scanned, for sources
  whose own identifiers are 9-digit Luhn numbers.
A value found to hold a SIN is set to null as a whole (the digits around it may be part of it).
False positives lose a value; false negatives would store a SIN, so the rule leans to removal.
"""

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from stdnum import luhn
from stdnum.ca import sin as stdnum_sin

from expectations.reference import bn_compact

SIN_CANDIDATE = re.compile(
    r"(?<![0-9])(?<![0-9][ -])([0-9]{3})[ -]?([0-9]{3})[ -]?([0-9]{3})(?![0-9])(?![ -][0-9])"
)
# RE2-friendly superset of SIN_CANDIDATE (no lookarounds), run over whole columns.
_PREFILTER = r"(?:^|[^0-9])[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{3}(?:[^0-9]|$)"
_FIRST = r"(?:^|[^0-9])([0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{3})(?:[^0-9]|$)"
_RUN = r"[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{3}"
NEVER_SCANNED: frozenset[str] = frozenset({"business_number", "source", "source_file",
                                           "record_hash"})


@dataclass(frozen=True)
class SinScan:
    """Where SIN-like values were found: never the values themselves."""

    cleaned: pd.DataFrame  # the input with every SIN-holding value set to null
    row_flags: np.ndarray  # bool per row: a value of that row was removed
    fields_by_row: pd.Series  # per row, ';'-joined names of the fields cleared ("" if none)
    removed: int  # number of values removed


def is_sin_like(number: str) -> bool:
    """9 digits passing stdnum.ca.sin, or Luhn-valid with a leading 0.

    stdnum rejects a leading 0 (never issued), but 0-numbers are the sample and test SINs
    that forms and documentation use (046 454 286); they are removed too.
    """
    return stdnum_sin.is_valid(number) or (number[:1] == "0" and luhn.is_valid(number))


def _sin_tokens(value: str) -> frozenset[str]:
    """The SIN-like 9-digit numbers in one value (compact form)."""
    found = {"".join(m.groups()) for m in SIN_CANDIDATE.finditer(value)}
    return frozenset(t for t in found if is_sin_like(t))


def scan_and_remove(
    frame: pd.DataFrame, exempt_fields: list[str] | tuple[str, ...] = ()
) -> SinScan:
    """Null every SIN-like value in the string fields; report rows and field names only.

    Vectorised: a regex prefilter over whole columns, then stdnum only on distinct suspect
    values, mapped back to rows.
    """
    skip = NEVER_SCANNED | set(exempt_fields)
    columns = [
        c for c in frame.columns
        if c not in skip and isinstance(frame[c].dtype, pd.StringDtype)
    ]
    if "business_number" in frame.columns:
        bn_root = bn_compact(frame["business_number"]).str.slice(0, 9)
    else:
        bn_root = pd.Series(pd.NA, index=frame.index, dtype="string")
    cleaned = frame.copy()
    row_flags = np.zeros(len(frame), dtype=bool)
    fields = pd.Series("", index=frame.index, dtype="object")
    removed = 0
    for column in columns:
        values = frame[column]
        suspect = values.str.contains(_PREFILTER, regex=True).fillna(False).to_numpy(bool)
        if not suspect.any():
            continue
        # Fast path, whole column: a value whose only 9-digit run is the record's own BN root
        # (a revenue record id built from the BN15, say) holds no SIN. Only the rest go to
        # Python, once per distinct value.
        rows = np.flatnonzero(suspect)
        candidates = values.iloc[rows].reset_index(drop=True)
        first = candidates.str.extract(_FIRST, expand=False).str.replace(r"[ -]", "", regex=True)
        roots = bn_root.iloc[rows].reset_index(drop=True)
        one_run = (candidates.str.count(_RUN) == 1).fillna(False).to_numpy(bool)
        same = (first == roots).fillna(False).to_numpy(bool)
        rows = rows[~(one_run & same)]
        if len(rows) == 0:
            continue
        suspects = values.iloc[rows]
        tokens = {v: _sin_tokens(v) for v in suspects.unique()}
        has_sin = suspects.map({v: bool(t) for v, t in tokens.items()}).to_numpy(bool)
        # The record's own BN root is not a SIN (a BN root has the same shape and check).
        single = {v: next(iter(t)) if len(t) == 1 else "" for v, t in tokens.items()}
        own_bn = suspects.map(single).astype("string") == bn_root.iloc[rows]
        only_own_bn = own_bn.fillna(False).to_numpy(bool)
        hit = np.zeros(len(frame), dtype=bool)
        hit[rows[has_sin & ~only_own_bn]] = True
        if not hit.any():
            continue
        cleaned.loc[hit, column] = pd.NA
        row_flags |= hit
        fields[hit] = fields[hit] + np.where(fields[hit] == "", "", ";") + column
        removed += int(hit.sum())
    return SinScan(cleaned=cleaned, row_flags=row_flags, fields_by_row=fields, removed=removed)
