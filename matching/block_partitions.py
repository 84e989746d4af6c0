"""Blocking as partitions on a cluster: candidate pairs made by key group, each pair once.

In one process, `blocking.block` pairs every rule's key groups, then merges the rules' pairs
and keeps each pair under the first rule that found it. On a cluster the pairing runs on the
workers, partitioned by blocking key: a task pairs the records of some key groups of one
rule. What stops a pair from being made (and scored) twice is a membership table, sent once
to every worker: for each rule, the (capped) key groups each record belongs to. A task marks
each of its pairs with every rule whose groups the two records share, and keeps the pair only
when no earlier rule does: the earlier rule's own task made it. This process then sorts the
pairs, drops the repeats a list-valued key makes within one rule (two records sharing two
name words), and has the same pairs, first rules, per-rule pair sets (for EM) and report as
`blocking.block`.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.blocking import (
    BlockingReport,
    KeyColumns,
    RuleReport,
    key_codes,
    key_groups,
    pairs_within_groups,
)
from matching.executors import Executor
from matching.model import BlockingSettings

PAIRS_PER_TASK = 2_000_000  # candidate pairs a task makes, about


@dataclass
class Membership:
    """Per rule, an (records, width) int32 table of the key groups each record is in (-1: none
    more); groups over the rule's cap and groups of one record are left out."""

    tables: list[np.ndarray]

    def __sizeof__(self) -> int:
        return sum(t.nbytes for t in self.tables)

    def rules_shared(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """A bit per rule, set where records i and j share one of the rule's key groups."""
        bits = np.zeros(len(i), np.uint64)
        for rule, table in enumerate(self.tables):
            left, right = table[i], table[j]
            shared = np.zeros(len(i), bool)
            for a in range(table.shape[1]):
                present = left[:, a] >= 0
                for b in range(table.shape[1]):
                    shared |= present & (left[:, a] == right[:, b])
            bits |= shared.astype(np.uint64) << np.uint64(rule)
        return bits


def block_partitions(records: pd.DataFrame, settings: BlockingSettings,
                     executor: Executor) -> tuple[pd.DataFrame, BlockingReport]:
    """`blocking.block`'s pairs and report, the pairs made on `executor`'s workers."""
    if len(settings.rules) > 64:
        raise ValueError("at most 64 blocking rules: each pair's rules are one 64-bit mask")
    n = len(records)
    report = BlockingReport(n_records=n, total_pairs=0)
    columns = KeyColumns(records)
    tables, tasks = [], []
    for k, rule in enumerate(settings.rules):
        positions, codes = key_codes(records, rule.keys, columns)
        cap = rule.max_block_size or settings.max_block_size
        pos, code, size, dropped, dropped_records = _capped_groups(positions, codes, cap)
        report.rules.append(RuleReport(rule.name, 0, 0, dropped, dropped_records))
        tables.append(_membership_table(pos, code, n))
        buckets = max(1, int(np.ceil((size * (size - 1) // 2).sum() / PAIRS_PER_TASK)))
        for b in range(buckets):
            chosen = code % buckets == b
            if chosen.any():
                tasks.append((k, pos[chosen], code[chosen]))
    found = list(executor.map(rule_pairs, tasks, executor.share(Membership(tables))))
    del tables
    pair_code = np.concatenate([f[0] for f in found]) if found else np.empty(0, np.int64)
    bits = np.concatenate([f[1] for f in found]) if found else np.empty(0, np.uint64)
    order = np.argsort(pair_code, kind="stable")
    pair_code, bits = pair_code[order], bits[order]
    first = np.ones(len(pair_code), bool)
    first[1:] = pair_code[1:] != pair_code[:-1]  # a pair two name words both made, once
    pair_code, bits = pair_code[first], bits[first]
    first_rule = _lowest_bit(bits)
    for k, rule in enumerate(settings.rules):
        has = (bits >> np.uint64(k)) & np.uint64(1) == 1
        report.rule_pair_codes[rule.name] = pair_code[has]
        report.rules[k].pairs = int(has.sum())
        report.rules[k].new_pairs = int((first_rule == k).sum())
    names = [r.name for r in settings.rules]
    pairs = pd.DataFrame({
        "i": (pair_code // max(n, 1)).astype(np.int64),
        "j": (pair_code % max(n, 1)).astype(np.int64),
        "blocking_rule": pd.Categorical.from_codes(first_rule, categories=names)
        if names else pd.Categorical([]),
    })
    report.total_pairs = len(pairs)
    return pairs, report


def rule_pairs(task: tuple[int, np.ndarray, np.ndarray],
               membership: Membership) -> tuple[np.ndarray, np.ndarray]:
    """Pair codes (i * n + j) of one rule's key groups that no earlier rule makes, with the
    mask of every rule that makes each (a task)."""
    rule, positions, codes = task
    n = len(membership.tables[0]) if membership.tables else 0
    i, j, _, _ = pairs_within_groups(positions, codes, np.iinfo(np.int64).max)
    bits = membership.rules_shared(i, j)
    earlier = (bits & np.uint64((1 << rule) - 1)) == 0
    return (i * n + j)[earlier], bits[earlier]


def _capped_groups(positions: np.ndarray, codes: np.ndarray, cap: int,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Memberships of the groups that make pairs (2..cap records), their group sizes, and
    the groups over the cap with their memberships, as `pairs_within_groups` counts them."""
    if len(positions) == 0:
        empty = np.empty(0, np.int64)
        return empty, empty, empty, 0, 0
    pos, code, _, size = key_groups(positions, codes)
    big = size > cap
    group_size = np.repeat(size, size)
    kept = (group_size >= 2) & (group_size <= cap)
    return pos[kept], code[kept], size[(size >= 2) & ~big], int(big.sum()), int(size[big].sum())


def _membership_table(pos: np.ndarray, code: np.ndarray, n: int) -> np.ndarray:
    """(n, width) int32: each record's group numbers (dense), -1 where it has no more."""
    dense = pd.factorize(code)[0].astype(np.int32)
    order = np.argsort(pos, kind="stable")
    pos, dense = pos[order], dense[order]
    counts = np.bincount(pos, minlength=n)
    width = max(int(counts.max(initial=0)), 1)
    rank = np.arange(len(pos)) - np.repeat(np.cumsum(counts) - counts, counts)
    table = np.full((n, width), -1, np.int32)
    table[pos, rank] = dense
    return table


def _lowest_bit(bits: np.ndarray) -> np.ndarray:
    """The index of each mask's lowest set bit (every mask here has one)."""
    lowest = bits & (~bits + np.uint64(1))
    return np.log2(lowest.astype(np.float64)).astype(np.int8)
