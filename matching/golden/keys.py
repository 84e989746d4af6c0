"""Record keys: how a source record is named in LinkResult pairs and steward decisions.

`source:source_record_id` (source ids never contain ':'), so a steward's judgement on two
records names the same records on every later run, whatever order they were read in.
"""

import pandas as pd

RECORD_KEY_SEP = ":"


def make_record_keys(records: pd.DataFrame) -> pd.Series:
    """The record key of every row of a canonical frame."""
    return (records["source"].astype("string") + RECORD_KEY_SEP
            + records["source_record_id"].astype("string")).rename("record_key")


def with_record_keys(records: pd.DataFrame) -> pd.DataFrame:
    """`records` with a `record_key` column (kept if already there)."""
    if "record_key" in records.columns:
        return records
    return records.assign(record_key=make_record_keys(records).to_numpy(object))


def split_record_keys(keys: pd.Series) -> pd.DataFrame:
    """source and source_record_id columns from record keys."""
    keys = keys.astype("string")
    parts = keys.str.split(RECORD_KEY_SEP, n=1, expand=True)
    if parts.shape[1] < 2:
        parts = parts.reindex(columns=[0, 1])
    return pd.DataFrame({"source": parts[0].to_numpy(object),
                         "source_record_id": parts[1].to_numpy(object)}, index=keys.index)
