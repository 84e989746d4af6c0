"""Record keys: how a source record is named in LinkResult pairs and steward decisions.

`source:source_record_id` (source ids never contain ':'), so a steward's judgement on two
records names the same records on every later run, whatever order they were read in.
"""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
    """source and source_record_id columns (text) from record keys."""
    lists = pc.split_pattern(arrow_text(keys), pattern=RECORD_KEY_SEP, max_splits=1)
    source = pc.list_element(lists, 0) if len(keys) else pa.array([], pa.string())
    record_id = pc.list_element(lists, 1) if len(keys) else pa.array([], pa.string())
    return pd.DataFrame({"source": pd.Series(source.to_pandas(), dtype="string").to_numpy(),
                         "source_record_id": pd.Series(record_id.to_pandas(),
                                                       dtype="string").to_numpy()},
                        index=keys.index).astype("string")


def text_hash(values: pd.Series) -> np.ndarray:
    """A stable 64-bit hash per value (same text, same hash on every run and machine).

    Only the distinct values are hashed (Arrow dictionary encoding), so a column with few
    distinct values (field names, sources, rules) costs almost nothing.
    """
    codes, uniques = codes_of(values)
    hashed = pd.util.hash_array(uniques.to_numpy(dtype=object, na_value=""), categorize=False)
    out = np.full(len(codes), np.uint64(0x9E3779B97F4A7C15), dtype=np.uint64)  # null
    out[codes >= 0] = hashed[codes[codes >= 0]]
    return out


def arrow_text(values: pd.Series) -> pa.Array:
    """A text column as one contiguous Arrow array (no Python object per value)."""
    array = pa.array(values.astype("string").array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def positions(keys: pd.Series, universe: pd.Series) -> np.ndarray:
    """Position of each key in `universe` (-1 where absent), by an Arrow hash lookup."""
    found = pc.index_in(arrow_text(keys), value_set=arrow_text(universe))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def codes_of(values: pd.Series, sort: bool = False) -> tuple[np.ndarray, pd.Series]:
    """Integer code per value (-1 for null) and the distinct values, via Arrow (fast on text).

    With `sort`, codes follow the sorted order of the values, so they are the same on every
    run for the same set of values.
    """
    encoded = pc.dictionary_encode(arrow_text(values))
    indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    dictionary = encoded.dictionary
    if sort and len(dictionary):
        order = pc.array_sort_indices(dictionary).to_numpy()
        rank = np.empty(len(order), np.int64)
        rank[order] = np.arange(len(order))
        indices = np.where(indices >= 0, rank[np.maximum(indices, 0)], -1)
        dictionary = dictionary.take(pa.array(order))
    return indices, dictionary.to_pandas().astype("string")


def split_text(values: pd.Series, sep: str) -> tuple[pd.Series, np.ndarray]:
    """Each value split on `sep` (parts stripped, empty parts dropped) and each part's parent
    position in `values`; nulls give no part. Arrow kernels, no Python loop."""
    lists = pc.split_pattern(arrow_text(values), pattern=sep)
    parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    parts = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    keep = pc.greater(pc.utf8_length(parts), 0).to_numpy(zero_copy_only=False)
    text = pd.Series(parts.to_pandas(), dtype="string")
    return text[keep].reset_index(drop=True), parents[keep]


def constant_text(value: str, length: int) -> pd.Series:
    """A text column holding one value `length` times (Arrow-backed, no object array)."""
    return pd.Series([value], dtype="string").iloc[np.zeros(length, np.int64)].reset_index(
        drop=True)
