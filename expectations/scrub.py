"""Remove SIN-like numbers from quarantined raw rows before they are stored.

Rows quarantined while reading or mapping never reach the canonical SIN scan, yet their raw
text is kept for triage; a social insurance number must not be stored there either. Any
9-digit SIN-like number in the text is replaced, the business number included: a raw row
in quarantine loses nothing a data engineer needs by that.
"""

import pandas as pd

from expectations.sin import _PREFILTER, SIN_CANDIDATE, is_sin_like

SIN_MARK = "[SIN removed]"


def _scrub(text: str) -> str:
    return SIN_CANDIDATE.sub(
        lambda m: SIN_MARK if is_sin_like("".join(m.groups())) else m.group(0), text)


def scrub_raw_records(quarantine: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Return the quarantine frame with SIN-like numbers removed from raw_record, and a count."""
    raw = quarantine["raw_record"]
    suspect = raw.str.contains(_PREFILTER, regex=True).fillna(False).to_numpy(bool)
    if not suspect.any():
        return quarantine, 0
    fixes = {value: _scrub(value) for value in raw[suspect].unique()}
    cleaned = raw.copy()
    cleaned[suspect] = raw[suspect].map(fixes)
    changed = int((cleaned[suspect] != raw[suspect]).sum())
    out = quarantine.copy()
    out["raw_record"] = cleaned.astype("string")
    return out, changed
