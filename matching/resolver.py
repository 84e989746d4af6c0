"""Resolving one record against the match state, in memory: the engine at an intake desk.

    resolver = Resolver(state)                          # index and population counts, once
    found = resolver.resolve({"legal_name": "Acme Ltd", "city": "Halifax"})
    resolver.add("wcb:W-123", record)                   # the record joins the population

A batch run decides the same way: the record is prepared with the stored population
statistics, blocked with the same rules and block-size limits (matching/blocking_index.py),
compared and scored with the same comparisons, model, rules and thresholds; shared-value
(term-frequency) counts are over the stored population plus the record, as
`MatchState.match_arrivals` counts them for one arriving record.
"""

import time
from collections import Counter
from collections.abc import Callable, Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from canonical.membership import member_of
from matching.arrival_scores import ArrivalScorer
from matching.blocking_index import BlockingIndex
from matching.compare import RecordColumns, level_columns, worker_columns
from matching.comparisons import compile_comparisons
from matching.pair_evidence import score_columns
from matching.state import MatchState

ARRIVAL_KEY = "<arriving record>"
EMPTY_COLUMNS = ("record_key_l", "record_key_r", "match_probability", "match_weight", "decision")


@lru_cache(maxsize=16)
def _rule_dtype(rule_names: tuple[str, ...]) -> pd.CategoricalDtype:
    """Built once: a categorical dtype validates its categories, which costs more than a
    request's scoring."""
    return pd.CategoricalDtype(list(rule_names))


class _PopulationColumns(RecordColumns):
    """The columns of a few rows (stored candidates, then the arriving record last) whose
    shared-value counts are those of the whole population plus the arriving record."""

    def __init__(self, rows: dict[str, np.ndarray],
                 stored_counts: Callable[[tuple[str, ...]], Counter], population: int) -> None:
        super().__init__(rows)
        self._stored_counts = stored_counts
        self._population = population

    @property
    def represented(self) -> int:
        return self._population

    def value_counts(self, columns: list[str]) -> dict[str, np.ndarray]:
        group = tuple(sorted(set(columns)))
        if group not in self._counts:
            stored = self._stored_counts(group)
            arriving = {self.values(c)[-1] for c in group} - {None}
            self._counts[group] = {
                c: np.array([np.nan if v is None else stored.get(v, 0) + (v in arriving)
                             for v in self.values(c)], float)
                for c in group}
        return self._counts[group]


class Resolver:
    """A match state held in memory, answering for one record at a time."""

    def __init__(self, state: MatchState) -> None:
        start = time.perf_counter()
        self.state = state
        self.settings = state.settings
        self.comparisons = compile_comparisons(state.settings.comparisons)
        self.scorer = ArrivalScorer(self.comparisons, state.settings, state.model)
        self._records = state.records.reset_index(drop=True)
        self._added: list[dict] = []
        self._columns = list(self._records.columns)
        # what comparing and scoring read, as object arrays: a request gathers its few
        # candidates' values from these without building a frame
        self._compared = [*worker_columns(self.comparisons), "record_key"]
        self._arrays = {c: self._records[c].to_numpy(object) for c in self._compared}
        self.index = BlockingIndex(self._records, state.settings.blocking)
        self._counts: dict[tuple[str, ...], Counter] = {}
        for comparison in self.comparisons:
            if comparison.settings.term_frequency and comparison.exact_gammas:
                self._group_counts(tuple(sorted(set(comparison.settings.columns))))
        self.load_seconds = time.perf_counter() - start

    @property
    def size(self) -> int:
        """Records in the population (stored and added)."""
        return len(self._records) + len(self._added)

    def record_keys_among(self, keys: list[str]) -> list[str]:
        """Those of `keys` (a few online registrations) that are records of the population."""
        if not keys:
            return []
        stored = self._arrays["record_key"]
        held = set(stored[member_of(stored, keys)])
        held.update(row["record_key"] for row in self._added if row["record_key"] in keys)
        return [key for key in keys if key in held]

    def _group_counts(self, group: tuple[str, ...]) -> Counter:
        """Per value: how many records hold it in any of the group's columns."""
        if group not in self._counts:
            n = len(self._records)
            stacked = pd.concat([pd.DataFrame({"row": np.arange(n),
                                               "value": self._records[c].to_numpy(object)})
                                 for c in group], ignore_index=True).dropna()
            held = stacked.drop_duplicates()["value"].value_counts()
            self._counts[group] = Counter(dict(zip(held.index, held.to_numpy(), strict=True)))
        return self._counts[group]

    def prepare(self, record: Mapping[str, object]) -> dict[str, object]:
        """A canonical record (column -> value) prepared as the population was (the per-record
        fast path, equal to the batch path: matching/prepare_one.py)."""
        from matching.prepare_one import prepare_record

        prepared = prepare_record(record, self.state.statistics, self._columns)
        return {c: ARRIVAL_KEY if c == "record_key" else prepared[c] for c in self._columns}

    def _rows(self, positions: np.ndarray, prepared: dict) -> dict[str, np.ndarray]:
        """The compared columns of the candidates (stored, then added online) and, last, the
        arriving record."""
        stored = positions[positions < len(self._records)]
        added = [self._added[k] for k in positions[len(stored):] - len(self._records)]
        rows: dict[str, np.ndarray] = {}
        for col in self._compared:
            values = np.empty(len(positions) + 1, object)
            values[:len(stored)] = self._arrays[col][stored]
            for k, row in enumerate(added, start=len(stored)):
                values[k] = row[col]
            values[-1] = prepared[col]
            rows[col] = values
        return rows

    def resolve(self, record: Mapping[str, object], prepared: dict | None = None) -> pd.DataFrame:
        """Every stored record sharing a block with `record`, best first: its key
        (`record_key_l`), the evidence of the pair, probability and decision."""
        return pd.DataFrame(self.resolve_columns(record, prepared))

    def resolve_columns(self, record: Mapping[str, object],
                        prepared: dict | None = None) -> dict[str, object]:
        """`resolve`'s columns, best first, scored pair by pair (matching/arrival_scores.py:
        no frame, no per-level masks; equal to `score_as_batch`)."""
        prepared = prepared or self.prepare(record)
        positions, rule_of = self.index.candidates(prepared)
        if not len(positions):
            return {c: np.empty(0, float if c.startswith("match_") else object)
                    for c in EMPTY_COLUMNS}
        n = len(positions)
        column = self._candidate_columns(positions)
        scored = self.scorer.score(column, n, prepared, self._value_count, self.size + 1)
        order = np.argsort(-scored["match_probability"], kind="stable")
        rule_names = np.array(self.index.rule_names, object)
        found: dict[str, object] = {
            "record_key_l": np.array(column("record_key"), object)[order],
            "record_key_r": np.full(n, ARRIVAL_KEY, object),
            "i": order.astype(np.int64), "j": np.full(n, n, np.int64),
            "blocking_rule": rule_names[rule_of[order]]}
        found.update({c: np.asarray(v, dtype=None if isinstance(v, np.ndarray) else object)[order]
                      for c, v in scored.items()})
        return found

    def _candidate_columns(self, positions: np.ndarray) -> Callable[[str], list]:
        """A column's values of the candidates at `positions` (stored, then added online),
        gathered when first asked for."""
        stored = positions[positions < len(self._records)]
        added = [self._added[k] for k in (positions[len(stored):] - len(self._records)).tolist()]
        gathered: dict[str, list] = {}

        def column(name: str) -> list:
            values = gathered.get(name)
            if values is None:
                values = gathered[name] = self._arrays[name][stored].tolist() + [
                    row[name] for row in added]
            return values
        return column

    def _value_count(self, group: tuple[str, ...], value: object) -> int:
        return self._group_counts(group).get(value, 0)

    def score_as_batch(self, record: Mapping[str, object],
                       prepared: dict | None = None) -> dict[str, object]:
        """`resolve_columns` by the batch engine's vectorised comparing and scoring: the
        reference the pair-by-pair path is held to, and a second opinion on one answer."""
        prepared = prepared or self.prepare(record)
        positions, rule_of = self.index.candidates(prepared)
        if not len(positions):
            return {c: np.empty(0, float if c.startswith("match_") else object)
                    for c in EMPTY_COLUMNS}
        cols = _PopulationColumns(self._rows(positions, prepared), self._group_counts,
                                  self.size + 1)
        n = len(positions)
        part = {"i": np.arange(n, dtype=np.int64), "j": np.full(n, n, np.int64),
                "blocking_rule": pd.Categorical.from_codes(rule_of, dtype=_rule_dtype(
                    tuple(self.index.rule_names)))}
        scored = score_columns(part, level_columns(part["i"], part["j"], cols, self.comparisons),
                               cols, self.settings, self.comparisons, self.state.model)
        order = np.argsort(-scored["match_probability"], kind="stable")
        keys = cols.values("record_key")
        found: dict[str, object] = {"record_key_l": keys[part["i"][order]],
                                    "record_key_r": keys[part["j"][order]]}
        found.update({c: v[order] for c, v in scored.items()
                      if not c.endswith(("_gamma", "_tf_count"))})
        return found

    def add(self, record_key: str, prepared: dict[str, object]) -> None:
        """Make a prepared record part of the population: later records can match it."""
        row = {**prepared, "record_key": record_key}
        self.index.add(row)
        for group, counts in self._counts.items():
            for value in {row.get(c) for c in group} - {None}:
                counts[value] += 1
        self._added.append(row)
