"""Remove SIN-like numbers from quarantined raw rows before they are stored.

Rows quarantined while reading or mapping never reach the canonical SIN scan, yet their raw
text is kept for triage; a social insurance number must not be stored there either. Any
9-digit SIN-like number, in any spelling `expectations.sin` knows, is replaced by
`SIN_MARK` in every text value of the raw row (keys included), the business number too: a
raw row in quarantine loses nothing a data engineer needs by that. The rest of each value is
kept as it was written.
"""

import json
from typing import Any

import pandas as pd

from expectations.sin import PREFILTER_JSON, contains_sin, regex_matches, sin_spans

SIN_MARK = "[SIN removed]"


def scrub_text(text: str) -> str:
    """`text` with every SIN-like number replaced by SIN_MARK, the rest as written."""
    if not contains_sin(text):
        return text
    out, last = [], 0
    for start, end in sin_spans(text):
        out += [text[last:start], SIN_MARK]
        last = end
    scrubbed = "".join(out) + text[last:]
    # Character-wise normalisation can differ from the whole string's in rare compositions:
    # if anything SIN-like is left, the value goes as a whole.
    return SIN_MARK if contains_sin(scrubbed) else scrubbed


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, list):
        return [_scrub_value(v) for v in value]
    if isinstance(value, dict):
        return {scrub_text(str(k)): _scrub_value(v) for k, v in value.items()}
    return value


def _scrub(raw: str) -> str:
    """One raw row (JSON, as canonical.quarantine.raw_json wrote it), scrubbed value by value."""
    try:
        row = json.loads(raw)
    except ValueError:  # not JSON after all: scrub the text itself
        return scrub_text(raw)
    scrubbed = _scrub_value(row)
    if scrubbed == row:
        return raw
    return json.dumps(scrubbed, ensure_ascii=False, sort_keys=True)


def scrub_raw_records(quarantine: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Return the quarantine frame with SIN-like numbers removed from raw_record, and a count
    of the raw rows changed."""
    raw = quarantine["raw_record"]
    suspect = regex_matches(raw, PREFILTER_JSON)
    if not suspect.any():
        return quarantine, 0
    fixes = {value: _scrub(value) for value in raw[suspect].unique()}
    cleaned = raw.copy()
    cleaned[suspect] = raw[suspect].map(fixes)
    changed = int((cleaned[suspect] != raw[suspect]).sum())
    out = quarantine.copy()
    out["raw_record"] = cleaned.astype("string")
    return out, changed
