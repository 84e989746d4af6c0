"""Validity of North American (+1) numbers, decided by phonenumbers' own metadata as columns.

`phonenumbers.is_valid_number` costs ~40 us a number in Python (it walks 25 NANP regions'
patterns with `re`); a million distinct phones took half a minute. Its decision is a fixed
function of the metadata's regular expressions, so the same walk is done here over a whole
column with pyarrow's RE2 kernels (libphonenumber writes its patterns for RE2): the first
region whose `leading_digits` match, or, for regions without them, whose number types accept
the number, decides, exactly as `_region_code_for_number_from_list` and
`is_valid_number_for_region` do. tests/test_standardise_contacts.py checks it against
per-number calls.
"""

from functools import cache

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

# the number types _number_type_helper tries after the general description
_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager",
          "uan", "voicemail", "fixed_line", "mobile")
_LENGTH = 10  # a NANP national significant number


def _desc_pattern(desc: object) -> str | None:
    """A description's pattern when it can accept a ten-digit number, else None."""
    if desc is None or not desc.national_number_pattern:
        return None
    lengths = desc.possible_length or ()
    if lengths and _LENGTH not in lengths:
        return None
    return desc.national_number_pattern


@cache
def _regions() -> tuple[tuple[str | None, str | None, str | None], ...]:
    """Per +1 region in phonenumbers' order: (leading digits, general pattern, any type)."""
    out = []
    for region in COUNTRY_CODE_TO_REGION_CODE[1]:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
        if meta is None:
            continue
        types = [p for p in (_desc_pattern(getattr(meta, t)) for t in _TYPES) if p]
        out.append((meta.leading_digits, _desc_pattern(meta.general_desc),
                    "|".join(f"(?:{p})" for p in types) or None))
    return tuple(out)


def _full(values: pa.Array, pattern: str | None) -> np.ndarray:
    if pattern is None:
        return np.zeros(len(values), bool)
    found = pc.match_substring_regex(values, f"^(?:{pattern})$")
    return found.to_numpy(zero_copy_only=False).astype(bool)


def _typed(values: pa.Array, general: str | None, types: str | None) -> np.ndarray:
    """_number_type_helper(number) != UNKNOWN: the general pattern and some type's."""
    ok = _full(values, general)
    if ok.any():
        rows = np.flatnonzero(ok)
        ok[rows] = _full(values.take(pa.array(rows)), types)
    return ok


def valid_nanp(numbers: pa.Array) -> np.ndarray:
    """Whether each ten-digit national number (no nulls) is a valid +1 number."""
    valid = np.zeros(len(numbers), bool)
    open_rows = np.arange(len(numbers))
    for leading, general, types in _regions():
        if not len(open_rows):
            break
        values = numbers.take(pa.array(open_rows))
        if leading is not None:
            hit = pc.match_substring_regex(values, f"^(?:{leading})")
            hit = hit.to_numpy(zero_copy_only=False).astype(bool)
            decided = open_rows[hit]
            if len(decided):
                valid[decided] = _typed(numbers.take(pa.array(decided)), general, types)
        else:
            hit = _typed(values, general, types)
            valid[open_rows[hit]] = True
        open_rows = open_rows[~hit]
    return valid
