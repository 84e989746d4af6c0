"""Vectorised noise for the second generator, on numpy StringDType columns.

Unlike the demo generator (one Python edit per masked string), typos here are made on a
character matrix: every masked string becomes a row of code points and one gather per kind
deletes, doubles, transposes or replaces a letter by a QWERTY neighbour in all rows at once.
Each function returns the new column and leaves the rows outside the mask untouched.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.dtypes import StringDType

S = StringDType()
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
TYPO_KINDS = ("substitute", "transpose", "delete", "double")


def _keyboard_neighbours() -> tuple[np.ndarray, np.ndarray]:
    """Code point -> up to 8 QWERTY neighbours (same case), and how many there are."""
    table = np.zeros((128, 8), np.uint32)
    count = np.zeros(128, np.int64)
    where = {ch: (r, c) for r, row in enumerate(KEYBOARD_ROWS) for c, ch in enumerate(row)}
    for ch, (r, c) in where.items():
        # staggered rows: the row above touches columns c and c+1, the row below c-1 and c
        near = [o for o, (r2, c2) in where.items()
                if (r2 == r and abs(c2 - c) == 1) or (r2 == r - 1 and c2 in (c, c + 1))
                or (r2 == r + 1 and c2 in (c - 1, c))]
        for case in (str.lower, str.upper):
            code = ord(case(ch))
            count[code] = len(near[:8])
            table[code, : count[code]] = [ord(case(o)) for o in near[:8]]
    return table, count


NEIGHBOURS, NEIGHBOUR_COUNT = _keyboard_neighbours()


def typos(values: np.ndarray, mask: np.ndarray,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One keyboard slip in each masked string of four or more characters.

    Returns (new column, kind per row: -1 untouched or unchanged, else an index into
    TYPO_KINDS). Never the first character: people get that right.
    """
    out = values.copy()
    kinds = np.full(len(values), -1, np.int8)
    rows = np.flatnonzero(mask & (np.strings.str_len(values) >= 4))
    if not len(rows):
        return out, kinds
    sub = values[rows]
    length = np.strings.str_len(sub)
    width = int(length.max()) + 2
    codes = np.asarray(sub, dtype=f"<U{width}").view(np.uint32).reshape(len(rows), width)
    kind = rng.integers(0, len(TYPO_KINDS), len(rows))
    pos = 1 + (rng.random(len(rows)) * (length - 2)).astype(np.int64)  # 1 .. len-2
    idx = np.arange(width)[None, :]
    p = pos[:, None]
    k = kind[:, None]
    src = np.select(
        [k == 1, k == 2, k == 3],
        [np.where(idx == p, p + 1, np.where(idx == p + 1, p, idx)),
         idx + (idx >= p), idx - (idx > p)],
        np.broadcast_to(idx, codes.shape),
    )
    new = np.take_along_axis(codes, np.minimum(src, width - 1), axis=1)
    new[:, -1] = 0  # a deletion pulls the padding in from the right
    swap = np.flatnonzero(kind == 0)
    char = new[swap, pos[swap]]
    ascii_char = np.where(char < 128, char, 0)
    n_near = NEIGHBOUR_COUNT[ascii_char]
    pick = (rng.random(len(swap)) * np.maximum(n_near, 1)).astype(np.int64)
    new[swap, pos[swap]] = np.where(n_near > 0, NEIGHBOURS[ascii_char, pick], char)
    changed = np.asarray(new.view(f"<U{width}").ravel(), dtype=S)
    differs = changed != sub
    out[rows] = changed
    kinds[rows[differs]] = kind[differs]
    return out, kinds


def replace_each(values: np.ndarray, mask: np.ndarray, old: str, new: str) -> np.ndarray:
    """Replace `old` by `new` in the masked rows only."""
    out = values.copy()
    rows = np.flatnonzero(mask)
    if len(rows):
        out[rows] = np.strings.replace(values[rows], old, new)
    return out


def strip_accents(values: np.ndarray, mask: np.ndarray, spelled: np.ndarray) -> np.ndarray:
    """Accents dropped in the masked rows (Müller -> Muller, Québec -> Quebec); where
    `spelled` also holds, German umlauts are spelt out first (Müller -> Mueller)."""
    out = values.copy()
    rows = np.flatnonzero(mask)
    if not len(rows):
        return out
    sub = values[rows]
    german = spelled[rows]
    for letter, written in GERMAN_SPELLING:
        sub[german] = np.strings.replace(sub[german], letter, written)
    sub = np.strings.replace(sub, "ß", "ss")
    arr = pc.utf8_normalize(pa.array(sub.tolist(), type=pa.string()), form="NFKD")
    arr = pc.replace_substring_regex(arr, r"\p{Mn}", "")
    out[rows] = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=S)
    return out


GERMAN_SPELLING = (("ü", "ue"), ("ö", "oe"), ("ä", "ae"), ("Ü", "Ue"), ("Ö", "Oe"), ("Ä", "Ae"))


def choose(options: np.ndarray, index: np.ndarray) -> np.ndarray:
    """options[index] as a StringDType column (vectorised look-up of a variant)."""
    return np.asarray(options, dtype=S)[index]


def phone_styles(digits: np.ndarray, style: np.ndarray) -> np.ndarray:
    """Write 10-digit phones in one of seven styles, e.g. +1 (902) 555-0101, 902.555.0101."""
    a = np.strings.slice(digits, 0, 3)
    e = np.strings.slice(digits, 3, 6)
    line = np.strings.slice(digits, 6, None)
    styles = [
        "(" + a + ") " + e + "-" + line,
        a + "-" + e + "-" + line,
        a + "." + e + "." + line,
        digits,
        "+1 (" + a + ") " + e + "-" + line,
        "1-" + a + "-" + e + "-" + line,
        "+1 " + a + " " + e + " " + line,
    ]
    return np.select([style == i for i in range(len(styles))], styles, digits).astype(S)


PHONE_STYLES = 7


def postal_styles(code: np.ndarray, style: np.ndarray) -> np.ndarray:
    """A1A 1A1 as written: with a space, without, in lower case, or with a hyphen."""
    fsa, ldu = np.strings.slice(code, 0, 3), np.strings.slice(code, 4, None)
    return np.select(
        [style == 1, style == 2, style == 3],
        [fsa + ldu, np.strings.lower(code), fsa + "-" + ldu], code,
    ).astype(S)


POSTAL_STYLES = 4


def bn_styles(root: np.ndarray, style: np.ndarray) -> np.ndarray:
    """A nine-digit Business Number root as written: alone, with a program account, spaced."""
    spaced = (np.strings.slice(root, 0, 3) + " " + np.strings.slice(root, 3, 6) + " "
              + np.strings.slice(root, 6, None))
    return np.select(
        [style == 1, style == 2, style == 3],
        [root + "RT0001", spaced, root + " RC0001"], root,
    ).astype(S)


BN_STYLES = 4


def luhn_complete(base: np.ndarray) -> np.ndarray:
    """Append the Luhn check digit to 8-digit integers: valid 9-digit BN roots."""
    digits = (base[:, None] // 10 ** np.arange(7, -1, -1)) % 10  # most significant first
    doubled = digits.copy()
    doubled[:, 1::2] *= 2  # positions 2, 4, 6, 8 (from the left) are doubled
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    check = (10 - doubled.sum(axis=1) % 10) % 10
    return base * 10 + check
