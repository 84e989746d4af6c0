"""Vectorised comparison: level codes (gamma) for candidate pairs.

Pure functions of DataFrame partitions: `attach_records` gives a pairs partition the two
records' columns (`<col>_l`, `<col>_r`), and `compute_levels` turns that partition into gamma
columns. A Dask or Spark worker can run the same two calls on its own block of pairs.
String similarity runs in rapidfuzz's C++ via `process.cpdist(..., workers=-1)`.
"""

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler, Levenshtein

from matching.comparisons import Comparison

SCORERS = {
    "ratio": fuzz.ratio,
    "token_sort_ratio": fuzz.token_sort_ratio,
    "token_set_ratio": fuzz.token_set_ratio,
    "partial_ratio": fuzz.partial_ratio,
    "jaro_winkler": JaroWinkler.normalized_similarity,
    "levenshtein": Levenshtein.normalized_similarity,
}

STANDARD_COLUMNS = (
    "name_std", "operating_name_std", "name_key", "numbered_company", "street_number",
    "street_name", "address_std", "city_std", "postal_code_std", "fsa", "phone_e164",
    "email_std", "email_domain", "bn_root", "bn_valid",
)


def _text(series: pd.Series) -> pd.Series:
    """Strings with empty values as missing (object dtype, None for missing)."""
    out = series.astype("string").str.strip()
    out = out.mask(out == "")
    return out.astype(object).where(out.notna(), None)


def _tokens(values: pd.Series) -> pd.Series:
    return values.map(lambda v: sorted(set(v.split())) if isinstance(v, str) else None)


def prepare_records(records: pd.DataFrame, franchise_min_records: int = 3,
                    franchise_min_addresses: int = 2) -> pd.DataFrame:
    """Add the matching-only columns to standardised records (positions 0..n-1).

    bn_root_valid: the BN root only when it passed its check digit (invalid roots never link);
    name_token / name_any: lists exploded by blocking; chain_name: a name held by many records
    at several addresses (a franchise), which the franchise rule reads.
    """
    out = records.reset_index(drop=True).copy()
    for col in STANDARD_COLUMNS:
        if col not in out.columns:
            out[col] = None
        if col != "bn_valid":
            out[col] = _text(out[col])
    valid = out["bn_valid"].astype("boolean").fillna(False).to_numpy(bool)
    out["bn_root_valid"] = out["bn_root"].where(valid, None)
    legal, operating = out["name_std"], out["operating_name_std"]
    tokens_l, tokens_o = _tokens(legal), _tokens(operating)
    out["name_token"] = [
        sorted(set((a or []) + (b or []))) or None for a, b in zip(tokens_l, tokens_o, strict=True)
    ]
    out["name_any"] = [
        sorted({v for v in (a, b) if v}) or None for a, b in zip(legal, operating, strict=True)
    ]
    place = out["address_std"].fillna(out["postal_code_std"]).fillna(out["phone_e164"])
    stats = pd.DataFrame({"name": legal, "place": place}).dropna(subset=["name"])
    per_name = stats.groupby("name").agg(n=("name", "size"), places=("place", "nunique"))
    chains = per_name.index[
        (per_name["n"] >= franchise_min_records) & (per_name["places"] >= franchise_min_addresses)
    ]
    out["chain_name"] = legal.isin(set(chains)).to_numpy(bool)
    return out


def attach_records(pairs: pd.DataFrame, records: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The pairs partition with both records' columns, suffixed `_l` and `_r`."""
    out = pairs.reset_index(drop=True).copy()
    left, right = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    for col in columns:
        values = records[col].to_numpy(dtype=object)
        out[f"{col}_l"] = values[left]
        out[f"{col}_r"] = values[right]
    return out


def _present(values: np.ndarray) -> np.ndarray:
    return pd.notna(values) & (values != None)  # noqa: E711 (object arrays: elementwise)


def _score(scorer: str, a: np.ndarray, b: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Similarity of a[rows] and b[rows]; -1 where either side is missing."""
    out = np.full(len(a), -1.0)
    ok = rows & _present(a) & _present(b)
    if not ok.any():
        return out
    if scorer == "exact":
        out[ok] = np.where(a[ok] == b[ok], 1.0, 0.0)
        return out
    out[ok] = process.cpdist(
        list(a[ok]), list(b[ok]), scorer=SCORERS[scorer], workers=-1, dtype=np.float32
    )
    return out


def _best_over_combos(frame: pd.DataFrame, columns: list[str], cross: bool, scorer: str,
                      rows: np.ndarray) -> np.ndarray:
    """Best score over the column combinations (legal-legal, legal-op, op-legal, op-op)."""
    combos = [(a, b) for a in columns for b in columns] if cross else [(c, c) for c in columns]
    best = np.full(len(frame), -1.0)
    for a, b in combos:
        score = _score(scorer, frame[f"{a}_l"].to_numpy(), frame[f"{b}_r"].to_numpy(), rows)
        best = np.maximum(best, score)
    return best


def _same(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    ok = np.ones(len(frame), bool)
    for col in columns:
        a, b = frame[f"{col}_l"].to_numpy(), frame[f"{col}_r"].to_numpy()
        ok &= _present(a) & _present(b) & (a == b)
    return ok


def _null_rows(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    has_l = np.zeros(len(frame), bool)
    has_r = np.zeros(len(frame), bool)
    for col in columns:
        has_l |= _present(frame[f"{col}_l"].to_numpy())
        has_r |= _present(frame[f"{col}_r"].to_numpy())
    return ~(has_l & has_r)


def _shared_value(frame: pd.DataFrame, columns: list[str], cross: bool,
                  rows: np.ndarray) -> np.ndarray:
    """The value both records share (for term frequencies), where they share one."""
    combos = [(a, b) for a in columns for b in columns] if cross else [(c, c) for c in columns]
    value = np.full(len(frame), None, dtype=object)
    for a, b in combos:
        left, right = frame[f"{a}_l"].to_numpy(), frame[f"{b}_r"].to_numpy()
        hit = rows & (value == None) & _present(left) & (left == right)  # noqa: E711
        value[hit] = left[hit]
    return value


def compute_levels(frame: pd.DataFrame, comparisons: list[Comparison]) -> pd.DataFrame:
    """Gamma per comparison (`<name>_gamma`, int8) and shared values for tf comparisons."""
    out = pd.DataFrame(index=frame.index)
    for comp in comparisons:
        s = comp.settings
        gamma = np.zeros(len(frame), np.int8)
        null = _null_rows(frame, s.columns)
        todo = ~null
        for index, level in enumerate(s.levels):
            if not todo.any():
                break
            hit = todo.copy()
            if level.same:
                hit &= _same(frame, level.same)
            if level.scorer is not None:
                cols = level.using or s.columns
                threshold = 1.0 if level.scorer == "exact" else float(level.min or 0)
                score = _best_over_combos(frame, cols, s.cross, level.scorer, hit)
                hit &= score >= threshold - 1e-9
            gamma[hit] = comp.gamma_of(index)
            todo &= ~hit
        gamma[null] = -1
        out[f"{comp.name}_gamma"] = gamma
        if s.term_frequency and comp.exact_gamma is not None:
            out[f"{comp.name}_tf_value"] = _shared_value(
                frame, s.columns, s.cross, gamma == comp.exact_gamma
            )
    return out


def comparison_columns(comparisons: list[Comparison]) -> list[str]:
    """Record columns the comparisons read, in a stable order."""
    cols: set[str] = set()
    for comp in comparisons:
        cols |= comp.record_columns
    return sorted(cols)


def gammas_for_pairs(pairs: pd.DataFrame, records: pd.DataFrame,
                     comparisons: list[Comparison]) -> pd.DataFrame:
    """Convenience: attach the records and compute levels for one partition of pairs."""
    cols = comparison_columns(comparisons)
    attached = attach_records(pairs, records, cols)
    return pd.concat([pairs.reset_index(drop=True), compute_levels(attached, comparisons)], axis=1)
