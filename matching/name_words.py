"""Records' name words as integer columns: counted, ranked and kept without a loop per record.

A million records hold three to four million name words. Splitting, de-duplicating, counting
and ranking them with Python sets and sorts per record took ~10 s; here the words are split by
pyarrow, coded once (codes in alphabetical order) and every later step is numpy on
(record, word code) pairs.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class NameWords:
    """Each record's distinct words of its legal and operating names, sorted by record and
    then alphabetically: `words[codes[k]]` is a word of record `rows[k]`."""

    n_records: int
    rows: np.ndarray  # int64 record position per (record, word)
    codes: np.ndarray  # int64 index into words
    words: np.ndarray  # object: the distinct words, alphabetical

    @classmethod
    def of(cls, *names: pd.Series) -> "NameWords":
        """The words of every column of `names` (aligned, positions 0..n-1), together."""
        n = len(names[0])
        rows, words = [], []
        for values in names:
            array = pa.array(values.to_numpy(dtype=object), pa.string(), from_pandas=True)
            split = pc.utf8_split_whitespace(array)
            flat = pc.list_flatten(split)
            kept = pc.not_equal(flat, "")
            rows.append(pc.list_parent_indices(split).filter(kept).to_numpy().astype(np.int64))
            words.append(flat.filter(kept))
        row = np.concatenate(rows)
        # coded by arrow (no Python string per word), then the codes put in alphabetical order
        encoded = pc.dictionary_encode(pa.concat_arrays(words).cast(pa.string()))
        found = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
        alphabetical = np.argsort(found, kind="stable")
        rank = np.empty(len(found), np.int64)
        rank[alphabetical] = np.arange(len(found))
        codes = rank[encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)]
        vocabulary = found[alphabetical]
        width = max(len(vocabulary), 1)
        pair = np.sort(row * width + codes)  # one per record and word, sorted
        pair = pair[np.r_[True, pair[1:] != pair[:-1]]] if len(pair) else pair
        return cls(n, pair // width, pair % width, vocabulary)

    def records_per_word(self) -> pd.Series:
        """How many records use each word, most used first (ties alphabetical)."""
        counts = pd.Series(np.bincount(self.codes, minlength=len(self.words)),
                           index=pd.Index(self.words, dtype=object))
        return counts.sort_values(ascending=False, kind="stable")

    def rarest(self, frequency: pd.Series, keep: int, own: int = 0) -> list[list[str] | None]:
        """Per record its `keep` least used words (by `frequency`, plus `own`; ties by the
        word), listed alphabetically; None for a record without words."""
        known = pd.Index(frequency.index).get_indexer(self.words)
        counts = np.where(known >= 0, frequency.to_numpy()[np.maximum(known, 0)], 0) + own
        # rows and codes are sorted (record, word): a stable sort on (record, count) keeps
        # the words of equal count in alphabetical order
        order = np.argsort(self.rows * (int(counts.max(initial=0)) + 1) + counts[self.codes],
                           kind="stable")
        starts = np.searchsorted(self.rows, np.arange(self.n_records))
        rank = np.arange(len(order)) - starts[self.rows[order]]
        kept = np.sort(order[rank < keep])  # back to (record, word) order
        return lists_by_record(self.rows[kept], self.words[self.codes[kept]], self.n_records)


def lists_by_record(rows: np.ndarray, values: np.ndarray, n: int) -> list[list[str] | None]:
    """Python lists of `values` per record position (rows sorted); None where a record has
    none (blocking and the match state read list columns)."""
    ends = np.cumsum(np.bincount(rows, minlength=n)).tolist()
    flat = values.tolist()
    starts = [0, *ends[:-1]]
    return [flat[s:e] if e > s else None for s, e in zip(starts, ends, strict=True)]
