"""SIN removal at intake: the first thing done to a batch, before it is kept anywhere.

The pipeline passes each step's output to the next through files (and Dagster's storage
before that), so a SIN must be gone from the batch *as it leaves the reader*: from the
canonical records and from the raw text of rows quarantined while reading or mapping.
Validation scans again and flags the rows found here (`validate_source(sins_removed=...)`).
"""

from dataclasses import dataclass

import pandas as pd

from expectations.scrub import scrub_raw_records
from expectations.settings import ExpectationSettings, load_expectation_settings
from expectations.sin import scan_and_remove


@dataclass(frozen=True)
class SinRemoval:
    """A batch with every SIN-like value removed, and where they were (never the values)."""

    records: pd.DataFrame
    quarantine: pd.DataFrame
    fields_by_row: pd.Series  # per record, ';'-joined names of the fields cleared ("" if none)
    removed: int  # values removed from records
    raw_removed: int  # quarantined raw rows that held one


def remove_sins(
    source_id: str, records: pd.DataFrame, quarantine: pd.DataFrame,
    settings: ExpectationSettings | None = None,
) -> SinRemoval:
    """Null SIN-holding values of `records` and scrub quarantined raw rows of `source_id`."""
    rules = (settings or load_expectation_settings()).for_source(source_id)
    scan = scan_and_remove(records, rules.sin_exempt_fields)
    cleaned_quarantine, raw_removed = scrub_raw_records(quarantine)
    return SinRemoval(scan.cleaned, cleaned_quarantine, scan.fields_by_row.reset_index(drop=True),
                      scan.removed, raw_removed)
