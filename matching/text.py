"""Text folding and regular expressions over whole columns, shared by every standardiser.

Each helper runs pyarrow kernels on a column (or on its distinct values) rather than Python
per row. Text is folded to ASCII first so that the fast RE2 kernels stay usable (they treat
`\\b` and `\\d` as ASCII-only).
"""

import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from matching.parallel import current_workers, split_map

# Characters NFKD does not decompose into ASCII, and typographic quotes and dashes.
_EXTRA_FOLDS = str.maketrans(
    {
        "œ": "oe",
        "æ": "ae",
        "ß": "ss",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "ʼ": "'",
        "‚": ",",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "«": " ",
        "»": " ",
        "\u00a0": " ",
    }
)

# Combining diacritical marks (U+0300-U+036F), written literally so pyarrow's RE2 takes it.
_COMBINING = "[\u0300-\u036f]"

def _fold_one(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.translate(_EXTRA_FOLDS))
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return kept.encode("ascii", "replace").decode("ascii").replace("?", " ")


def _non_ascii(values: pd.Series) -> np.ndarray:
    return values.str.isascii().eq(False).to_numpy(dtype=bool, na_value=False)


def fold_text(values: pd.Series) -> pd.Series:
    """Lower case and fold to ASCII ('Québec' -> 'quebec').

    Only non-ASCII rows are touched: pyarrow decomposes them (NFKD) and drops the combining
    accents; the few still not ASCII after that (œ, curly quotes) pay a Python call each.
    """
    lower = values.astype("string").str.lower()
    non_ascii = _non_ascii(lower)
    if non_ascii.any():
        rows = np.flatnonzero(non_ascii)
        subset = lower.iloc[rows].str.normalize("NFKD")
        subset = subset.str.replace(_COMBINING, "", regex=True)
        still = _non_ascii(subset)
        if still.any():
            subset.iloc[np.flatnonzero(still)] = [
                _fold_one(v) for v in subset.iloc[np.flatnonzero(still)]
            ]
        lower = lower.copy()
        lower.iloc[rows] = subset.to_numpy(dtype=object)
    return lower


def regex_extract(values: pd.Series, pattern: str, probe: str | None = None) -> pd.DataFrame:
    """Named groups of an RE2 pattern, one column each; no match or empty group -> <NA>.

    pandas runs `Series.str.extract` through Python's `re` row by row even on pyarrow
    strings; pyarrow's `extract_regex` does the same in C++ several times faster. With
    `probe` (a capture-free pattern true wherever `pattern` matches) the capturing pass, the
    costly one, runs only on the rows the cheap probe selects.
    """
    groups = sorted(re.compile(pattern).groupindex.items(), key=lambda item: item[1])
    if probe is not None:
        rows = values.str.contains(probe, regex=True).to_numpy(dtype=bool, na_value=False)
        out = pd.DataFrame(
            {name: pd.Series(pd.NA, index=values.index, dtype="string") for name, _ in groups}
        )
        if rows.any():
            found = regex_extract(values[rows], pattern)
            for name, _ in groups:
                out.loc[rows, name] = found[name]
        return out
    array = pa.array(values.astype("string").array)
    found = pc.extract_regex(array, pattern)
    columns = {}
    for position, (name, _) in enumerate(groups):
        field = pc.struct_field(found, [position])
        field = pc.if_else(pc.equal(field, ""), pa.scalar(None, field.type), field)
        columns[name] = pd.arrays.ArrowStringArray(field)
    return pd.DataFrame(columns, index=values.index)


def punctuation_to_spaces(values: pd.Series, period_as_space: bool = False) -> pd.Series:
    """Fold, then keep only [a-z0-9#] tokens separated by single spaces; '' becomes <NA>.

    French elisions (l', d', qu'...) become separate words so the leading article can go;
    other apostrophes vanish (Joe's -> joes). Periods vanish by default so that initialisms
    collapse (S.E.N.C. -> senc, N.S. -> ns); addresses pass `period_as_space`.
    '&' and the French word 'et' both become 'and'. '#' stays as a token of its own for the
    store-number and unit rules.
    """
    text = fold_text(values)
    text = text.str.replace(r"\b(l|d|j|qu|n|s|c|m)'", r"\1 ", regex=True)
    text = text.str.replace("'", "", regex=False)
    text = text.str.replace(".", " " if period_as_space else "", regex=False)
    text = text.str.replace("&", " and ", regex=False)
    text = text.str.replace("#", " # ", regex=False)
    text = text.str.replace("[^a-z0-9#]+", " ", regex=True).str.strip()
    text = text.str.replace(r"\bet\b", "and", regex=True)
    return text.mask(text.eq(""))


# distinct values below which one process standardises them all (forking costs ~0.1 s)
SPLIT_MIN_VALUES = 100_000


def map_unique(values: pd.Series, compute) -> pd.DataFrame:
    """Run `compute` (Series -> DataFrame) on the distinct values only and map back.

    `compute` must give each value's row from that value alone, so that many distinct values
    can be cut into parts standardised side by side (matching/parallel.py) with the same result.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    uniques = pd.Series(uniques, dtype="string")
    workers = current_workers()
    if workers > 1 and len(uniques) >= SPLIT_MIN_VALUES:
        size = -(-len(uniques) // workers)
        parts = [uniques.iloc[k:k + size] for k in range(0, len(uniques), size)]
        result = pd.concat(split_map(compute, parts, workers)).reset_index(drop=True)
    else:
        result = compute(uniques).reset_index(drop=True)
    out = result.take(codes)
    out.index = values.index
    return out
