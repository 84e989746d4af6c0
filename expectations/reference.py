"""Reference data the expectations compare against: provinces, postal letters, regexes.

Kept apart from the rules so that the matching stage can reuse the same province aliases and
legal-form keys, and so that one place says what "valid" means.
"""

import unicodedata

import pandas as pd

PROVINCE_CODES: tuple[str, ...] = (
    "NL", "PE", "NS", "NB", "QC", "ON", "MB", "SK", "AB", "BC", "YT", "NT", "NU",
)

# First letter of a postal code -> provinces it may belong to (Canada Post's FSA regions).
POSTAL_LETTER_PROVINCES: dict[str, frozenset[str]] = {
    "A": frozenset({"NL"}),
    "B": frozenset({"NS"}),
    "C": frozenset({"PE"}),
    "E": frozenset({"NB"}),
    "G": frozenset({"QC"}),
    "H": frozenset({"QC"}),
    "J": frozenset({"QC"}),
    "K": frozenset({"ON"}),
    "L": frozenset({"ON"}),
    "M": frozenset({"ON"}),
    "N": frozenset({"ON"}),
    "P": frozenset({"ON"}),
    "R": frozenset({"MB"}),
    "S": frozenset({"SK"}),
    "T": frozenset({"AB"}),
    "V": frozenset({"BC"}),
    "X": frozenset({"NT", "NU"}),
    "Y": frozenset({"YT"}),
}

# Province spellings seen in registers, keyed by letters only, upper case, accents removed.
# Old codes (NF, PQ) and full names in English and French are normalised, not rejected.
_PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "NL": ("NF", "NFLD", "NEWFOUNDLAND", "NEWFOUNDLANDANDLABRADOR", "NEWFOUNDLANDLABRADOR",
           "TERRENEUVE", "TERRENEUVEETLABRADOR", "TNL", "LABRADOR"),
    "PE": ("PEI", "PRINCEEDWARDISLAND", "ILEDUPRINCEEDOUARD", "IPE"),
    "NS": ("NOVASCOTIA", "NOUVELLEECOSSE", "NE"),
    "NB": ("NEWBRUNSWICK", "NOUVEAUBRUNSWICK"),
    "QC": ("PQ", "QUE", "QUEBEC"),
    "ON": ("ONT", "ONTARIO"),
    "MB": ("MAN", "MANITOBA"),
    "SK": ("SASK", "SASKATCHEWAN"),
    "AB": ("ALTA", "ALBERTA"),
    "BC": ("BRITISHCOLUMBIA", "COLOMBIEBRITANNIQUE", "CB"),
    "YT": ("YK", "YUKON", "YUKONTERRITORY"),
    "NT": ("NWT", "NORTHWESTTERRITORIES", "TERRITOIRESDUNORDOUEST", "TNO"),
    "NU": ("NUNAVUT", "NVT"),
}
PROVINCE_ALIASES: dict[str, str] = {
    alias: code for code, aliases in _PROVINCE_ALIASES.items() for alias in (code, *aliases)
}

# Regexes avoid \s, \d, \w and lookarounds so that pandas can run them in pyarrow's RE2
# (several times faster than Python's re over a million values; same answers for these).
POSTAL_CODE_REGEX = (
    r"^ *[ABCEGHJ-NPRSTVXYabceghj-nprstvxy][0-9][ABCEGHJ-NPRSTV-Zabceghj-nprstv-z][ -]?"
    r"[0-9][ABCEGHJ-NPRSTV-Zabceghj-nprstv-z][0-9] *$"
)
BN_COMPACT_REGEX = r"^[0-9]{9}(?:[A-Z]{2}[0-9]{4})?$"
NAICS_REGEX = r"^[0-9]{2,6}$"
# Practical e-mail syntax: one @, no spaces or quotes, dotted domain labels that neither start
# nor end with a hyphen, ending in a label of 2+ non-digits. Accented letters pass (French).
_LABEL_CHAR = r"[^ \t\r\n@.\"(),:;<>\[\]\\_/]"
_LABEL_EDGE = r"[^ \t\r\n@.\"(),:;<>\[\]\\_/-]"
EMAIL_REGEX = (
    r"^[^ \t\r\n@\"(),:;<>\[\]\\]+@"
    rf"(?:{_LABEL_EDGE}(?:{_LABEL_CHAR}{{0,61}}{_LABEL_EDGE})?\.)+"
    r"[^ \t\r\n@.\"(),:;<>\[\]\\_/0-9-]{2,}$"
)


def letters_key(value: str) -> str:
    """Letters and digits only, upper case, accents removed: 'Ltée' -> 'LTEE', 'N.-É.' -> 'NE'."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).upper()


def letters_keys(values: pd.Series) -> pd.Series:
    """`letters_key` over a string column, computed once per distinct value."""
    uniques = values.dropna().unique()
    mapping = {v: letters_key(v) for v in uniques}
    return values.map(mapping).astype("string")


def program_accounts_regex(kinds: list[str]) -> str:
    """Regex for the program_accounts field: known kinds + 4 digits, separated by ';'."""
    item = r"(?:" + "|".join(sorted(kinds)) + r")[0-9]{4}"
    return rf"^ *{item}(?: *; *{item})* *;? *$"


def bn_compact(values: pd.Series) -> pd.Series:
    """Business numbers without spaces or hyphens, upper case (what stdnum's compact does)."""
    return values.str.replace(r"[ -]", "", regex=True).str.upper()
