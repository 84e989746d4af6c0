"""An in-memory blocking index: the key groups of the stored records, looked up for one record.

`block_against` finds an arriving record's candidates by grouping the whole population again,
which costs a pass over every record: right for a batch of arrivals, far too slow for one
record at an intake desk. This index groups the population once (at start-up) and then finds
one record's candidates in microseconds, with the same rules and the same block-size limits:
a group of the stored records plus the arrival that is larger than the rule's
`max_block_size` gives no candidates, exactly as in a run.

    index = BlockingIndex(state.records, state.settings.blocking)
    positions = index.candidates(prepared_row)     # stored positions, with their first rule
    index.add(prepared_row)                        # the record joins the population
"""

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from matching.model import BlockingSettings

_SHIFT = np.int64(1 << 31)  # two keys' codes packed in one int64 (a rule has at most two)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value == "" or (
        isinstance(value, float) and np.isnan(value))


class _Vocabulary:
    """Value -> integer code of one key column; values first seen after start-up are added."""

    def __init__(self, uniques: pd.Index) -> None:
        self._index = uniques
        self._added: dict[object, int] = {}

    def code(self, value: object, create: bool = False) -> int:
        """The value's code, -1 when unknown (and not created) or missing."""
        if _missing(value):
            return -1
        try:
            found = self._index.get_loc(value)
            if isinstance(found, int | np.integer):
                return int(found)
        except (KeyError, TypeError):
            pass
        code = self._added.get(value)
        if code is None and create:
            code = self._added[value] = len(self._index) + len(self._added)
        return -1 if code is None else code


class _RuleIndex:
    """Sorted key codes of one rule, with the record position holding each."""

    def __init__(self, number: int, keys: list[str], max_block_size: int,
                 codes: np.ndarray, positions: np.ndarray) -> None:
        self.number, self.keys, self.max_block_size = number, keys, max_block_size
        order = np.lexsort((positions, codes))
        codes, positions = codes[order], positions[order]
        keep = np.ones(len(codes), bool)  # one row per record per key (a repeated name word)
        keep[1:] = (codes[1:] != codes[:-1]) | (positions[1:] != positions[:-1])
        self.codes, self.positions = codes[keep], positions[keep]

    def group(self, code: int) -> np.ndarray:
        codes = self.codes
        return self.positions[codes.searchsorted(code):codes.searchsorted(code, "right")]

    def insert(self, codes: np.ndarray, position: int) -> None:
        for code in np.unique(codes):
            at = int(np.searchsorted(self.codes, code, side="right"))
            self.codes = np.insert(self.codes, at, code)
            self.positions = np.insert(self.positions, at, position)


class BlockingIndex:
    """The blocking rules' key groups over a population of prepared records."""

    def __init__(self, records: pd.DataFrame, settings: BlockingSettings) -> None:
        self.settings = settings
        self.size = len(records)
        self._vocabulary: dict[str, _Vocabulary] = {}
        self._is_list: dict[str, bool] = {}
        self._rules: list[_RuleIndex] = []
        codes_of: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for number, rule in enumerate(settings.rules):
            if any(key not in records.columns for key in rule.keys):
                continue
            for key in rule.keys:
                if key not in codes_of:
                    codes_of[key] = self._encode_column(key, records[key])
            positions, codes = self._combine([codes_of[k] for k in rule.keys], rule.keys)
            self._rules.append(_RuleIndex(number, list(rule.keys),
                                          rule.max_block_size or settings.max_block_size,
                                          codes, positions))

    @property
    def rule_names(self) -> list[str]:
        return [r.name for r in self.settings.rules]

    def _encode_column(self, key: str, column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """(record position, code) per value; list columns give one row per element."""
        values = column.to_numpy(dtype=object)
        first = column.first_valid_index()
        is_list = first is not None and isinstance(column.loc[first], list)
        self._is_list[key] = is_list
        if is_list:
            lengths = np.fromiter((len(v) if isinstance(v, list) else 0 for v in values),
                                  np.int64, len(values))
            values = np.fromiter((t for v in values if isinstance(v, list) for t in v),
                                 object, int(lengths.sum()))
            positions = np.repeat(np.arange(len(column), dtype=np.int64), lengths)
        else:
            positions = np.arange(len(column), dtype=np.int64)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        codes = codes.astype(np.int64)
        empty = np.flatnonzero(pd.Index(uniques).astype(str) == "")
        if len(empty):
            codes[np.isin(codes, empty)] = -1
        self._vocabulary[key] = _Vocabulary(pd.Index(uniques, dtype=object))
        return positions, codes

    def _combine(self, parts: list[tuple[np.ndarray, np.ndarray]],
                 keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Positions and one int64 per (record, key combination); a rule's list key first."""
        order = sorted(range(len(keys)), key=lambda k: not self._is_list[keys[k]])
        positions, codes = parts[order[0]]
        if len(order) > 1:
            other = parts[order[1]][1]
            other = other[positions] if self._is_list[keys[order[0]]] else other
            if self._is_list[keys[order[1]]]:
                raise ValueError(f"a blocking rule may use one list-valued key, not {keys}")
            keep = (codes >= 0) & (other >= 0)
            positions, codes = positions[keep], codes[keep] * _SHIFT + other[keep]
        else:
            keep = codes >= 0
            positions, codes = positions[keep], codes[keep]
        return positions, codes

    def _coder(self, create: bool = False) -> Callable[[str, object], int]:
        """A key column's value -> its code, each asked of the vocabulary once per record
        (rules share key columns)."""
        memo: dict[tuple[str, object], int] = {}

        def code(key: str, value: object) -> int:
            try:
                return memo[(key, value)]
            except KeyError:
                found = memo[(key, value)] = self._vocabulary[key].code(value, create)
                return found
            except TypeError:  # an unhashable value: never a code
                return self._vocabulary[key].code(value, create)
        return code

    def _record_codes(self, record: Mapping[str, object], rule: _RuleIndex,
                      code: Callable[[str, object], int]) -> list[int]:
        """The codes `record` holds for `rule`, sorted (none when a key is missing or
        unknown); plain Python: a record holds a handful, numpy's set-up would cost more."""
        keys = rule.keys
        if len(keys) == 2 and self._is_list[keys[1]]:  # the list key first, as _combine packs
            keys = keys[::-1]
        values = record.get(keys[0])
        first = values if self._is_list[keys[0]] and isinstance(values, list) else [values]
        codes = {found for found in (code(keys[0], v) for v in first) if found >= 0}
        if len(keys) > 1 and codes:
            other = code(keys[1], record.get(keys[1]))
            if other < 0:
                return []
            codes = {found * int(_SHIFT) + other for found in codes}
        return sorted(codes)

    def candidates(self, record: Mapping[str, object]) -> tuple[np.ndarray, np.ndarray]:
        """Stored positions that share a key group with `record` (a prepared record as a
        mapping of column to value) and the index of the first rule that found each; groups
        that with the record would exceed the rule's max_block_size are skipped."""
        found, rules, sizes = [], [], []
        code = self._coder()
        for rule in self._rules:
            for key in self._record_codes(record, rule, code):
                group = rule.group(key)
                if 0 < len(group) < rule.max_block_size:  # with the record: at most the limit
                    found.append(group)
                    rules.append(rule.number)
                    sizes.append(len(group))
        if not found:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        positions = np.concatenate(found)
        rule_of = np.repeat(np.array(rules, np.int64), sizes)
        order = np.lexsort((rule_of, positions))
        positions, rule_of = positions[order], rule_of[order]
        first = np.ones(len(positions), bool)
        first[1:] = positions[1:] != positions[:-1]
        return positions[first], rule_of[first]

    def add(self, record: Mapping[str, object]) -> int:
        """Index one more record (a prepared record); returns its position."""
        position = self.size
        code = self._coder(create=True)
        for rule in self._rules:
            rule.insert(self._record_codes(record, rule, code), position)
        self.size += 1
        return position
