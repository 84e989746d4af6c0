"""Phone validity as phonenumbers decides it, fast for North American numbers.

phonenumbers costs ~90 us per number; a register has about one distinct phone per business,
so a million businesses would cost minutes. For values written in a plain NANP layout
(optional +1 or 1, then 3-3-4 digits with optional spaces, dots, hyphens, parentheses) the
national number is those 10 digits, and `is_valid_number` is true exactly when they match,
for some region of country code 1, that region's general pattern and one of its number-type
patterns. Those patterns come from phonenumbers' own metadata and are applied over the
whole column at once. Every other value (extensions, letters, other countries) goes through
`phonenumbers.parse` + `is_valid_number`, once per distinct value. A test checks that both
paths give phonenumbers' answer.
"""

from functools import cache

import pandas as pd
import phonenumbers

NANP_LAYOUT = r"^ *(?:\+?1[ .-]?)?\(?[0-9]{3}\)?[ .-]?[0-9]{3}[ .-]?[0-9]{4} *$"
_TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number",
          "voip", "pager", "uan", "voicemail")


@cache
def nanp_valid_regex() -> str:
    """One regex for 'valid in some country-code-1 region', from phonenumbers' metadata."""
    parts = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if meta is None or meta.general_desc is None:
            continue
        types = []
        for name in _TYPES:
            desc = getattr(meta, name)
            if desc is None or not desc.national_number_pattern:
                continue
            if desc.possible_length and 10 not in desc.possible_length:
                continue
            types.append(f"(?:{desc.national_number_pattern})")
        if types:
            general = meta.general_desc.national_number_pattern
            parts.append(f"(?=(?:{general})$)(?:{'|'.join(types)})$")
    return "^(?:" + "|".join(parts) + ")"


def phonenumbers_valid(value: str) -> bool:
    """The reference answer: phonenumbers.parse with region CA, then is_valid_number."""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value, "CA"))
    except phonenumbers.NumberParseException:
        return False


def phone_valid(values: pd.Series) -> pd.Series:
    """True where the phone is valid or null, vectorised for plain NANP layouts."""
    plain = values.str.contains(NANP_LAYOUT, regex=True).fillna(False).astype(bool)
    # In a plain layout the national number is the last 10 digits (after an optional 1).
    national = values.str.replace(r"[^0-9]", "", regex=True).str.slice(-10)
    ok = pd.Series(True, index=values.index)
    ok[plain] = national[plain].str.contains(nanp_valid_regex(), regex=True).astype(bool)
    other = values.notna() & ~plain
    if other.any():
        distinct = values[other].unique()
        ok[other] = values[other].map({v: phonenumbers_valid(v) for v in distinct}).astype(bool)
    return ok.astype(bool)
