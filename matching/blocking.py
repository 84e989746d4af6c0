"""Blocking: candidate pairs from a union of several key rules, as vectorised self-joins.

Blocking recall caps everything (one key gave F1 0.70 on FEBRL, a union of keys 0.999), so
several rules are unioned. A key shared by too many records (a law firm's address, a chain's
head-office phone) is dropped rather than allowed to explode into millions of pairs; the
report counts what was dropped so nobody is surprised.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matching.model import BlockingSettings


@dataclass
class RuleReport:
    """What one blocking rule produced."""

    rule: str
    pairs: int  # distinct pairs the rule generates on its own
    new_pairs: int  # pairs no earlier rule had generated
    blocks_dropped: int  # keys over max_block_size
    records_in_dropped_blocks: int


@dataclass
class BlockingReport:
    """Pairs per rule and in total; recall is filled in when true ids are known."""

    n_records: int
    total_pairs: int
    rules: list[RuleReport] = field(default_factory=list)
    # every pair code (i * n + j) each rule produced, for EM sessions; not part of the report
    rule_pair_codes: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def as_frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.__dict__ for r in self.rules])

    @property
    def blocks_dropped(self) -> int:
        return sum(r.blocks_dropped for r in self.rules)

    @property
    def records_in_dropped_blocks(self) -> int:
        return sum(r.records_in_dropped_blocks for r in self.rules)


class KeyColumns:
    """Integer codes per record for each key column (-1 missing or empty), computed once and
    shared by every rule that uses the column; list columns (name tokens) are flattened."""

    def __init__(self, records: pd.DataFrame) -> None:
        self.records = records
        self._scalar: dict[str, np.ndarray] = {}
        self._lists: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._is_list: dict[str, bool] = {}

    def is_list(self, key: str) -> bool:
        if key not in self._is_list:
            column = self.records[key]
            first = column.first_valid_index()
            self._is_list[key] = first is not None and isinstance(column.loc[first], list)
        return self._is_list[key]

    @staticmethod
    def _factorize(values: np.ndarray) -> np.ndarray:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        codes = codes.astype(np.int64)
        empty = np.flatnonzero(pd.Index(uniques).astype(str) == "")
        if len(empty):
            codes[np.isin(codes, empty)] = -1
        return codes

    def scalar(self, key: str) -> np.ndarray:
        if key not in self._scalar:
            self._scalar[key] = self._factorize(self.records[key].to_numpy(dtype=object))
        return self._scalar[key]

    def flat(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(record position, code) for every element of a list column."""
        if key not in self._lists:
            values = self.records[key].to_numpy(dtype=object)
            lengths = np.fromiter((len(v) if isinstance(v, list) else 0 for v in values),
                                  np.int64, len(values))
            flat = np.fromiter((t for v in values if isinstance(v, list) for t in v),
                               object, int(lengths.sum()))
            positions = np.repeat(np.arange(len(values), dtype=np.int64), lengths)
            self._lists[key] = (positions, self._factorize(flat))
        return self._lists[key]


def key_codes(records: pd.DataFrame, keys: list[str],
               columns: "KeyColumns | None" = None) -> tuple[np.ndarray, np.ndarray]:
    """Record positions and an integer code per (possibly exploded) key value."""
    if any(key not in records.columns for key in keys):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    columns = columns or KeyColumns(records)
    lists = [k for k in keys if columns.is_list(k)]
    if len(lists) > 1:
        raise ValueError(f"a blocking rule may use one list-valued key, not {lists}")
    if lists:
        positions, code = columns.flat(lists[0])
    else:
        positions, code = np.arange(len(records), dtype=np.int64), np.zeros(len(records),
                                                                           np.int64)
    keep = code >= 0
    for key in keys:
        if key in lists:
            continue
        other = columns.scalar(key)[positions]
        keep &= other >= 0
        width = int(other.max(initial=0)) + 1
        if (int(code.max(initial=0)) + 1) * width >= 2**62:  # renumber densely first
            code = pd.factorize(code)[0].astype(np.int64)
        code = code * width + other
    positions, code = positions[keep], code[keep]
    if len(code) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return positions, code  # equal keys, equal codes: not renumbered (grouping needs no more)


def key_groups(positions: np.ndarray, codes: np.ndarray,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positions and codes sorted by (code, position), one row per record per code, with
    each group's first row and size."""
    order = np.lexsort((positions, codes))
    pos, code = positions[order], codes[order]
    keep = np.ones(len(pos), bool)
    keep[1:] = (code[1:] != code[:-1]) | (pos[1:] != pos[:-1])  # one row per record per key
    pos, code = pos[keep], code[keep]
    boundary = np.ones(len(code), bool)
    boundary[1:] = code[1:] != code[:-1]
    start = np.flatnonzero(boundary)
    return pos, code, start, np.diff(np.append(start, len(code)))


def pairs_within_groups(
    positions: np.ndarray, codes: np.ndarray, max_block_size: int
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """All pairs (i < j) of positions sharing a code, skipping groups over the cap.

    Vectorised: after sorting by code, element r of a group of size s pairs with the
    s - 1 - r elements after it, generated with repeat/cumsum arithmetic (no Python loop).
    """
    if len(positions) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), 0, 0
    pos, code, start, size = key_groups(positions, codes)
    big = size > max_block_size
    blocks_dropped, records_dropped = int(big.sum()), int(size[big].sum())
    group_size = np.repeat(size, size)
    rank = np.arange(len(pos)) - np.repeat(start, size)
    count = np.where(group_size > max_block_size, 0, group_size - 1 - rank)
    total = int(count.sum())
    left_idx = np.repeat(np.arange(len(pos)), count)
    offsets = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    right_idx = left_idx + 1 + offsets
    a, b = pos[left_idx], pos[right_idx]
    return np.minimum(a, b), np.maximum(a, b), blocks_dropped, records_dropped


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sort and compare (numpy's hash-based unique is slower on int64 codes)."""
    values = np.sort(values)
    keep = np.ones(len(values), bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def block(records: pd.DataFrame, settings: BlockingSettings,
          link_only: np.ndarray | None = None) -> tuple[pd.DataFrame, BlockingReport]:
    """Candidate pairs `i < j` (record positions) with the first rule that found each pair.

    `link_only`: a label per record (its file); pairs of records with the same label are
    never candidates (two lists each free of duplicates, linked to each other only).
    """
    n = len(records)
    report = BlockingReport(n_records=n, total_pairs=0)
    codes_per_rule: list[np.ndarray] = []
    columns = KeyColumns(records)
    for rule in settings.rules:
        positions, codes = key_codes(records, rule.keys, columns)
        i, j, dropped, dropped_records = pairs_within_groups(
            positions, codes, rule.max_block_size or settings.max_block_size
        )
        if link_only is not None:
            across = link_only[i] != link_only[j]
            i, j = i[across], j[across]
        pair_code = _sorted_unique(i * n + j)
        report.rule_pair_codes[rule.name] = pair_code
        codes_per_rule.append(pair_code)
        report.rules.append(RuleReport(rule.name, len(pair_code), 0, dropped, dropped_records))
    n_rules = max(len(codes_per_rule), 1)
    # pair code and rule in one int64, sorted: each rule's codes are already a sorted run, so
    # the stable (tim)sort merges runs; ties put the earliest rule first
    combined = np.concatenate([c * n_rules + k for k, c in enumerate(codes_per_rule)]) \
        if codes_per_rule else np.empty(0, np.int64)
    combined.sort(kind="stable")
    all_codes, rule_index = combined // n_rules, combined % n_rules
    del combined
    first = np.ones(len(all_codes), bool)
    first[1:] = all_codes[1:] != all_codes[:-1]
    all_codes, rule_index = all_codes[first], rule_index[first]
    for k, count in enumerate(np.bincount(rule_index, minlength=len(settings.rules))):
        report.rules[k].new_pairs = int(count)
    names = [r.name for r in settings.rules]
    pairs = pd.DataFrame({
        "i": (all_codes // max(n, 1)).astype(np.int64),
        "j": (all_codes % max(n, 1)).astype(np.int64),
        "blocking_rule": pd.Categorical.from_codes(rule_index, categories=list(names))
        if len(settings.rules) else pd.Categorical([]),
    })
    report.total_pairs = len(pairs)
    return pairs, report


def true_pair_codes(true_ids: pd.Series) -> np.ndarray:
    """Codes i * n + j of every pair of positions that share a true entity id."""
    n = len(true_ids)
    codes = pd.Series(true_ids).astype("string").fillna("<na>").factorize()[0]
    i, j, _, _ = pairs_within_groups(np.arange(n, dtype=np.int64), codes.astype(np.int64), n + 1)
    return i * n + j


def blocking_recall(pairs: pd.DataFrame, true_ids: pd.Series) -> dict[str, float]:
    """Share of the true pairs (records with the same true id) that blocking kept."""
    n = len(true_ids)
    truth = true_pair_codes(true_ids)
    kept = np.isin(truth, pairs["i"].to_numpy() * n + pairs["j"].to_numpy())
    recall = float(kept.mean()) if len(truth) else 1.0
    return {"true_pairs": len(truth), "kept": int(kept.sum()), "recall": recall}


def block_against(records: pd.DataFrame, n_known: int,
                  settings: BlockingSettings) -> pd.DataFrame:
    """Candidate pairs `i < j` that involve a record at position >= n_known (one that arrives
    after the population at positions < n_known), with the first rule that found each pair.

    Only the key groups holding an arriving record are paired, and a group counts every
    record in it against max_block_size, as a full run would: the same pairs as `block` on
    the whole frame, less those between known records.
    """
    n = len(records)
    columns = KeyColumns(records)
    found, rules = [], []
    for k, rule in enumerate(settings.rules):
        positions, codes = key_codes(records, rule.keys, columns)
        touched = np.isin(codes, np.unique(codes[positions >= n_known]))
        i, j, _, _ = pairs_within_groups(positions[touched], codes[touched],
                                         rule.max_block_size or settings.max_block_size)
        pair_code = _sorted_unique((i * n + j)[j >= n_known])
        found.append(pair_code)
        rules.append(np.full(len(pair_code), k, np.int64))
    codes_all = np.concatenate(found) if found else np.empty(0, np.int64)
    rule_all = np.concatenate(rules) if rules else np.empty(0, np.int64)
    order = np.lexsort((rule_all, codes_all))
    codes_all, rule_all = codes_all[order], rule_all[order]
    first = np.ones(len(codes_all), bool)
    first[1:] = codes_all[1:] != codes_all[:-1]
    codes_all, rule_all = codes_all[first], rule_all[first]
    names = [r.name for r in settings.rules]
    return pd.DataFrame({
        "i": (codes_all // max(n, 1)).astype(np.int64),
        "j": (codes_all % max(n, 1)).astype(np.int64),
        "blocking_rule": pd.Categorical.from_codes(rule_all, categories=names),
    })
