"""Seeded, vectorised noise: the errors and habits that make one business look like several.

Every function takes a column (numpy StringDType array), a boolean mask of the rows to touch
and the generator, and returns a new column; rows outside the mask are never changed. Masks are
drawn with `rate(rng, n, p)` so that each kind of noise has a documented rate. Where a change
needs per-string logic (a typo at a random position) only the masked rows are looped over.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.dtypes import StringDType

from sources.demo.vocab import ABBREVIATIONS

S = StringDType()

# Optical character recognition confusions, both ways (scanned paper applications).
OCR_PAIRS: tuple[tuple[str, str], ...] = (
    ("0", "O"), ("O", "0"), ("1", "l"), ("l", "1"), ("5", "S"), ("S", "5"), ("m", "rn"),
    ("rn", "m"), ("B", "8"), ("I", "1"),
)
KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def rate(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """A mask selecting each row with probability `p`."""
    return rng.random(n) < p


def present(values: np.ndarray) -> np.ndarray:
    return np.strings.str_len(values) > 0


def typo(values: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One keyboard slip per masked string: drop, double, swap or replace a letter."""
    out = values.copy()
    rows = np.flatnonzero(mask & (np.strings.str_len(values) > 3))
    kinds = rng.integers(0, 4, len(rows))
    where = rng.random(len(rows))
    keys = rng.integers(0, len(KEYBOARD), len(rows))
    changed = []
    for text, kind, at, key in zip(out[rows].tolist(), kinds, where, keys, strict=True):
        i = 1 + int(at * (len(text) - 2))  # never the first letter: people get that right
        if kind == 0:
            text = text[:i] + text[i + 1:]
        elif kind == 1:
            text = text[:i] + text[i] + text[i:]
        elif kind == 2:
            text = text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
        else:
            text = text[:i] + KEYBOARD[key] + text[i + 1:]
        changed.append(text)
    out[rows] = np.asarray(changed, dtype=S)
    return out


def ocr(values: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One OCR confusion per masked string (0/O, 1/l, 5/S, rn/m, B/8), where one applies."""
    rows = np.flatnonzero(mask)
    sub = values[rows]
    todo = np.ones(len(rows), bool)
    start = rng.integers(0, len(OCR_PAIRS), len(rows))
    for step in range(len(OCR_PAIRS)):
        for k, (old, new) in enumerate(OCR_PAIRS):
            hit = todo & ((start + step) % len(OCR_PAIRS) == k)
            hit &= np.strings.find(sub, old) >= 0
            if hit.any():
                sub[hit] = np.strings.replace(sub[hit], old, new, 1)
                todo &= ~hit
    out = values.copy()
    out[rows] = sub
    return out


def abbreviate(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Shorten words (Street -> St, Limited -> Ltd, Limitée -> Ltée...) in masked rows."""
    out = values.copy()
    sub = out[mask]
    for full, short in ABBREVIATIONS:
        sub = np.strings.replace(sub, full, short)
    out[mask] = sub
    return out


def expand_forms(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Write short legal forms out in full (Ltd. -> Limited, Ltée -> Limitée, Inc. ->
    Incorporated)."""
    if not mask.any():
        return values.copy()
    arr = pa.array(values[mask].tolist(), type=pa.string())
    arr = pc.replace_substring_regex(arr, r" Ltd\.?$", " Limited")
    arr = pc.replace_substring_regex(arr, r" Ltée$", " Limitée")
    arr = pc.replace_substring_regex(arr, r" Inc\.?$", " Incorporated")
    out = values.copy()
    out[mask] = np.asarray(arr.to_pylist(), dtype=S)
    return out


def strip_accents(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Drop accents (Chéticamp -> Cheticamp), as ASCII-only systems do."""
    if not mask.any():
        return values.copy()
    arr = pc.utf8_normalize(pa.array(values[mask].tolist(), type=pa.string()), form="NFKD")
    arr = pc.replace_substring_regex(arr, r"\p{Mn}", "")
    out = values.copy()
    out[mask] = np.asarray(arr.to_pylist(), dtype=S)
    return out


def add_accent(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Add a wrong accent (Comeau -> Coméau), as French keyboards and auto-correct do."""
    out = values.copy()
    out[mask] = np.strings.replace(out[mask], "e", "é", 1)
    return out


def upper(values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    if mask is None:
        return np.strings.upper(values)
    out = values.copy()
    out[mask] = np.strings.upper(out[mask])
    return out


def lower(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = values.copy()
    out[mask] = np.strings.lower(out[mask])
    return out


def blank(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Missing values: the field was left empty."""
    return np.where(mask, "", values).astype(S)


def mistype_digit(values: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Change one of the first nine digits: a Business Number whose Luhn check then fails."""
    out = values.copy()
    rows = np.flatnonzero(mask & (np.strings.str_len(values) >= 9))
    if not len(rows):
        return out
    at = rng.integers(0, 9, len(rows))
    shift = rng.integers(1, 10, len(rows))
    text = out[rows]
    digit = np.strings.slice(text, at, at + 1).astype(np.int64)
    new = ((digit + shift) % 10).astype(S)
    out[rows] = np.strings.slice(text, 0, at) + new + np.strings.slice(text, at + 1, None)
    return out


def bad_postal(values: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A malformed postal code: truncated, or a letter read as a digit."""
    out = values.copy()
    rows = mask & present(values)
    cut = rows & (rng.random(len(values)) < 0.5)
    out[cut] = np.strings.slice(out[cut], 0, 6)
    swap = rows & ~cut
    out[swap] = np.strings.replace(np.strings.replace(out[swap], "B", "8", 1), " ", "", 1)
    return out


def short_phone(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A phone number with digits missing."""
    out = values.copy()
    rows = mask & (np.strings.str_len(values) > 4)
    out[rows] = np.strings.slice(out[rows], 0, -2)
    return out


def format_phone(digits: np.ndarray, styles: np.ndarray) -> np.ndarray:
    """Write 10-digit phones as (902) 555-1234, 902-555-1234, 902 555 1234 or 9025551234."""
    area = np.strings.slice(digits, 0, 3)
    exchange = np.strings.slice(digits, 3, 6)
    line = np.strings.slice(digits, 6, None)
    return np.select(
        [styles == 0, styles == 1, styles == 2],
        ["(" + area + ") " + exchange + "-" + line, area + "-" + exchange + "-" + line,
         area + " " + exchange + " " + line],
        digits,
    ).astype(S)


def vary(values: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The small variation of a re-keyed duplicate: a typo, a case change or an abbreviation."""
    kind = rng.integers(0, 3, len(values))
    out = typo(values, mask & (kind == 0), rng)
    out = upper(out, mask & (kind == 1))
    return abbreviate(out, mask & (kind == 2))
