"""Vectorised comparison: level codes (gamma) for candidate pairs.

`compute_levels(pairs, records, comparisons)` is a pure function of a partition: pairs as
positions `i`, `j` into the records they touch. A Dask or Spark worker can run it on its own
block of pairs. Work that depends on one record (presence, equality codes, token-sorted
strings, value counts) is done once per record in `RecordColumns`, so a pair costs integer
indexing; string similarity runs in rapidfuzz's C++ via `process.cpdist(..., workers=-1)`,
only on pairs a better level has not settled. `attach_records` gives the tidy
`<col>_l` / `<col>_r` view of a partition when one is wanted.
"""

from collections.abc import Mapping

import numpy as np
import pandas as pd

from matching.comparisons import Comparison
from matching.pair_scores import PairPartition
from matching.population import PopulationStatistics
from matching.rules import RULE_COLUMNS

# Attribute set on a frame of prepared records, so no stage prepares it twice.
PREPARED = "ubr_matching_prepared"

STANDARD_COLUMNS = (
    "name_std", "operating_name_std", "name_key", "name_legal_form", "numbered_company",
    "street_number",
    "street_name", "address_std", "city_std", "postal_code_std", "fsa", "phone_e164",
    "email_std", "email_domain", "bn_root", "bn_valid",
)


def _text(series: pd.Series) -> pd.Series:
    """Strings with empty values as missing (object dtype, None for missing)."""
    out = series.astype("string").str.strip()
    out = out.mask(out == "")
    return out.astype(object).where(out.notna(), None)


def _per_value(values: pd.Series, function) -> np.ndarray:
    """`function` applied once per distinct value (names repeat across registers), as an
    object array aligned with `values`; None where the value is missing."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:len(uniques)] = [function(v) for v in uniques]
    mapped[-1] = None
    return mapped[codes]  # code -1 (missing) picks the trailing None


def _street_key(street: str) -> str | None:
    """First word of a street name, when it has at least 3 letters."""
    words = street.split()
    return words[0] if words and len(words[0]) >= 3 else None


def _fallback(out: pd.DataFrame, std: str, raw: str, drop: str, min_length: int,
              upper: bool = False) -> None:
    """Where the standardiser could not read a value (a US zip, a 7-digit phone), fall back to
    its bare characters, so foreign-format files still link on exact agreement."""
    if raw not in out.columns:
        return
    bare = out[raw].astype("string").str.replace(r"\.0$", "", regex=True)
    bare = bare.str.replace(drop, "", regex=True)
    if upper:
        bare = bare.str.upper()
    bare = bare.where(bare.str.len() >= min_length)
    missing = out[std].isna()
    out.loc[missing, std] = _text(bare[missing])


def standard_columns(records: pd.DataFrame) -> pd.DataFrame:
    """The matching columns that depend on the record alone (positions 0..n-1).

    bn_root_valid: the BN root only when it passed its check digit (invalid roots never link);
    postal_code_std / phone_e164 fall back to bare characters where the standardiser gave up;
    street_key: first word of the street name (typo-tolerant blocking with the number);
    name_any: its names (lists exploded by blocking).
    """
    out = records.reset_index(drop=True)  # copy-on-write (pandas 3): columns copied when set
    for col in STANDARD_COLUMNS:
        if col not in out.columns:
            out[col] = None
        if col != "bn_valid":
            out[col] = _text(out[col])
    _fallback(out, "postal_code_std", "postal_code", r"[^0-9A-Za-z]", min_length=3, upper=True)
    _fallback(out, "phone_e164", "phone", r"[^0-9]", min_length=7)
    valid = out["bn_valid"].astype("boolean").fillna(False).to_numpy(bool)
    out["bn_root_valid"] = out["bn_root"].where(valid, None)
    legal, operating = out["name_std"], out["operating_name_std"]
    out["name_any"] = [
        sorted({v for v in (a, b) if v}) or None for a, b in zip(legal, operating, strict=True)
    ]
    out["street_key"] = pd.Series(_per_value(out["street_name"], _street_key), index=out.index,
                                  dtype=object)
    return out


def prepare_records(records: pd.DataFrame, franchise_min_records: int = 3,
                    franchise_min_addresses: int = 3,
                    shared_office_min_names: int = 8,
                    name_tokens_per_record: int = 3) -> pd.DataFrame:
    """Add the matching-only columns to standardised records (positions 0..n-1): those of
    `standard_columns`, and name_token / chain_name / shared_office from the population's own
    statistics (matching/population.py)."""
    out = standard_columns(records)
    stats = PopulationStatistics.of(out, name_tokens_per_record, franchise_min_records,
                                    franchise_min_addresses, shared_office_min_names)
    return stats.apply(out)


PairColumns = Mapping[str, np.ndarray]


def attach_records(pairs: pd.DataFrame, records: pd.DataFrame, columns: list[str]) -> PairColumns:
    """Both records' columns for a pairs partition, named `<col>_l` and `<col>_r`.

    Returned as plain object arrays (missing = None), not a DataFrame: pandas 3 would turn
    every string column into Arrow strings and back. `pd.DataFrame(result)` gives the tidy
    partition when one is wanted.
    """
    left, right = pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64)
    out: dict[str, np.ndarray] = {}
    for col in columns:
        values = records[col].to_numpy(dtype=object)
        out[f"{col}_l"] = values[left]
        out[f"{col}_r"] = values[right]
    return out


SMALL_FACTORIZE = 256  # below this many values a dict beats pandas' hash table set-up


def factorize_objects(values: np.ndarray) -> np.ndarray:
    """Integer codes of an object array, equal values equal codes, -1 for missing (None, NaN):
    pd.factorize's codes, in a dict for the few values of a real-time request."""
    if len(values) >= SMALL_FACTORIZE:
        return pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)[0]
    seen: dict[object, int] = {}
    codes = np.empty(len(values), np.int64)
    for k, value in enumerate(values):
        missing = value is None or (not isinstance(value, str) and bool(pd.isna(value)))
        codes[k] = -1 if missing else seen.setdefault(value, len(seen))
    return codes


def _sort_tokens(value: object) -> object:
    return " ".join(sorted(value.split())) if isinstance(value, str) else None


class RecordColumns:
    """Record-level arrays the comparisons read, computed once per record, not per pair.

    Presence, equality codes (shared across columns compared with each other) and
    token-sorted strings are built over the n records; a pair then costs integer indexing.
    """

    def __init__(self, records: "pd.DataFrame | Mapping[str, np.ndarray]",
                 weights: np.ndarray | None = None) -> None:
        # a frame of prepared records, or its columns as object arrays of one length (the
        # resolver's few rows: framing them would cost more than comparing them)
        self.records = records
        self.size = len(records) if isinstance(records, pd.DataFrame) else len(
            next(iter(records.values())))
        # records a row stands for (identical records collapsed into it): term frequencies
        # count them all, as if the copies were there
        self.weights = weights
        self._values: dict[str, np.ndarray] = {}
        self._present: dict[str, np.ndarray] = {}
        self._codes: dict[tuple[str, ...], dict[str, np.ndarray]] = {}
        self._sorted: dict[str, np.ndarray] = {}
        self._counts: dict[tuple[str, ...], dict[str, np.ndarray]] = {}
        # (scorer, column, column) -> whether its pairs of values repeat (pair_scores.py)
        self.repeating: dict[tuple[str, str, str], bool] = {}
        self._subsets: dict[tuple[str, ...], RecordColumns] = {}

    def __sizeof__(self) -> int:
        """The records' bytes (what Dask counts when it ships these columns)."""
        if not isinstance(self.records, pd.DataFrame):
            return sum(v.nbytes for v in self.records.values())
        return int(self.records.memory_usage(deep=True).sum())

    def subset(self, columns: list[str]) -> "RecordColumns":
        """These records with only `columns` (what a cluster's workers read: not the blocking
        keys nor the record keys), the same object each time it is asked for."""
        key = tuple(sorted(c for c in set(columns) if c in self.records))
        if key not in self._subsets:
            records = self.records
            self._subsets[key] = RecordColumns(
                records[list(key)] if isinstance(records, pd.DataFrame)
                else {c: records[c] for c in key}, self.weights)
        return self._subsets[key]

    @property
    def represented(self) -> int:
        """Records of the population these rows stand for: term-frequency adjustments are
        relative to it (the real-time resolver holds a few rows of a larger population)."""
        return self.size if self.weights is None else int(self.weights.sum())

    def values(self, col: str) -> np.ndarray:
        """The column as an object array (None or NaN for missing)."""
        if col not in self._values:
            column = self.records[col]
            self._values[col] = (column.to_numpy(dtype=object)
                                 if isinstance(column, pd.Series) else column)
        return self._values[col]

    def present(self, col: str) -> np.ndarray:
        if col not in self._present:
            self._present[col] = self.values(col) != None  # noqa: E711
        return self._present[col]

    def flags(self, col: str) -> np.ndarray:
        """A flag column as booleans (missing: not set)."""
        return np.asarray(self.values(col) == True, dtype=bool)  # noqa: E712

    def codes(self, a: str, b: str) -> tuple[np.ndarray, np.ndarray]:
        """Integer codes of columns a and b from one dictionary (-1 for missing)."""
        group = tuple(sorted({a, b}))
        if group not in self._codes:
            stacked = np.concatenate([self.values(c) for c in group])
            codes = factorize_objects(stacked)
            n = self.size
            self._codes[group] = {c: codes[k * n:(k + 1) * n] for k, c in enumerate(group)}
        return self._codes[group][a], self._codes[group][b]

    def value_counts(self, columns: list[str]) -> dict[str, np.ndarray]:
        """Per record and column: how many records hold that value in any of `columns`."""
        group = tuple(sorted(set(columns)))
        if group not in self._counts:
            n = self.size
            stacked = np.concatenate([self.values(c) for c in group])
            joint = factorize_objects(stacked)
            rows = np.tile(np.arange(n, dtype=np.int64), len(group))
            keep = joint >= 0
            size = int(joint.max()) + 1 if keep.any() else 1
            held = np.unique(rows[keep] * size + joint[keep])  # a record counts once per value
            weights = None if self.weights is None else self.weights[held // size]
            per_code = np.bincount(held % size, weights=weights, minlength=size).astype(float)
            self._counts[group] = {
                c: np.where(joint[k * n:(k + 1) * n] >= 0,
                            per_code[np.maximum(joint[k * n:(k + 1) * n], 0)], np.nan)
                for k, c in enumerate(group)
            }
        return self._counts[group]

    def sorted_tokens(self, col: str) -> np.ndarray:
        """Tokens in sorted order: token_sort_ratio is plain ratio on these strings."""
        if col not in self._sorted:
            self._sorted[col] = np.array([_sort_tokens(v) for v in self.values(col)],
                                         dtype=object)
        return self._sorted[col]


def _lowest_cutoffs(comp: Comparison) -> dict[str, float]:
    cutoffs: dict[str, float] = {}
    for level in comp.levels:
        if level.scorer not in (None, "exact"):
            cutoffs[level.scorer] = min(cutoffs.get(level.scorer, np.inf), float(level.min or 0))
    return cutoffs


UNKNOWN = -2  # level not computed (string similarity skipped): only in u sampling


def compute_levels(pairs: pd.DataFrame, records: pd.DataFrame | RecordColumns,
                   comparisons: list[Comparison], fuzzy: bool = True) -> pd.DataFrame:
    """Gamma per comparison (`<name>_gamma`, int8) and, for term-frequency comparisons,
    `<name>_tf_count`: how many records hold the value the pair shares.

    With `fuzzy=False` string-similarity levels are not computed: a pair still unsettled when
    one is reached gets UNKNOWN (u sampling scores similarity on a sub-sample only).

    `pairs` holds positions `i`, `j` into `records` (the partition's record table), so a
    worker needs only its pairs and the records they touch.
    """
    cols = records if isinstance(records, RecordColumns) else RecordColumns(records)
    columns = level_columns(pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64), cols,
                            comparisons, fuzzy)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(pairs)))


def level_columns(i: np.ndarray, j: np.ndarray, cols: RecordColumns,
                  comparisons: list[Comparison], fuzzy: bool = True) -> dict[str, np.ndarray]:
    """compute_levels' columns as arrays, for pairs (i[k], j[k]) (no frame built)."""
    part = PairPartition(cols, np.asarray(i, np.int64), np.asarray(j, np.int64))
    columns: dict[str, np.ndarray] = {}
    for comp in comparisons:
        s = comp.settings
        cutoffs = _lowest_cutoffs(comp)
        gamma = np.zeros(part.n, np.int8)
        null = part.null(s.columns)
        todo = ~null
        for index, level in enumerate(s.levels):
            if not todo.any():
                break
            if not fuzzy and level.scorer not in (None, "exact"):
                gamma[todo] = UNKNOWN
                todo[:] = False
                break
            hit = todo.copy()
            if level.same:
                hit &= part.same(level.same)
            if level.scorer is not None:
                used = level.using or s.columns
                threshold = 1.0 if level.scorer == "exact" else float(level.min or 0)
                if level.scorer == "token_sort_ratio" and cutoffs.get(
                        "token_set_ratio", np.inf) <= threshold:
                    # token_set_ratio >= token_sort_ratio (sets drop repeats, the common words
                    # count fully), so token sort is scored only where token set reaches the
                    # level: a few percent of the pairs; token set's score is reused below
                    bound = part.best("token_set_ratio", used, s.cross, hit,
                                      cutoffs["token_set_ratio"])
                    hit &= bound >= threshold - 1e-9
                score = part.best(level.scorer, used, s.cross, hit, cutoffs.get(level.scorer))
                hit &= score >= threshold - 1e-9
            gamma[hit] = comp.gamma_of(index)
            todo &= ~hit
        gamma[null] = -1
        if s.null_at_shared_office:  # no evidence there (model.ComparisonSettings)
            gamma[part.either("shared_office")] = -1
        columns[f"{comp.name}_gamma"] = gamma
        if s.term_frequency and comp.exact_gammas:
            columns[f"{comp.name}_tf_count"] = part.shared_count(
                s.columns, s.cross, np.isin(gamma, comp.exact_gammas)
            )
    return columns


def comparison_columns(comparisons: list[Comparison]) -> list[str]:
    """Record columns the comparisons read, in a stable order."""
    cols: set[str] = set()
    for comp in comparisons:
        cols |= comp.record_columns
    return sorted(cols)


def worker_columns(comparisons: list[Comparison]) -> list[str]:
    """Record columns comparing and scoring read (the comparisons' and the rules'): what a
    cluster's workers receive, once (matching/executors.py)."""
    return sorted({*comparison_columns(comparisons), *RULE_COLUMNS})


def gammas_for_pairs(pairs: pd.DataFrame, records: pd.DataFrame,
                     comparisons: list[Comparison]) -> pd.DataFrame:
    """Convenience: the pairs partition with its gamma columns added."""
    return pd.concat([pairs.reset_index(drop=True), compute_levels(pairs, records, comparisons)],
                     axis=1)
