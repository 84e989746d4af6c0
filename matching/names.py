"""Business names normalised for comparison: one spelling per name whatever the register.

Every step is a regular expression over a whole column (pyarrow kernels), run on the distinct
values only and mapped back, because 2.5 million names leave no room for a Python loop per row.
Text is folded to ASCII first so that the fast RE2 kernels stay usable (they treat `\\b` and
`\\d` as ASCII-only).
"""


import pandas as pd

from matching.legal_forms import LegalFormTable, default_table
from matching.text import map_unique, punctuation_to_spaces, regex_extract

# Removed from the name before it becomes a blocking key: they carry no identity.
NAME_KEY_STOP_WORDS: tuple[str, ...] = (
    "and",
    "the",
    "of",
    "for",
    "in",
    "on",
    "at",
    "by",
    "to",
    "de",
    "du",
    "des",
    "la",
    "le",
    "les",
    "l",
    "d",
    "a",
    "au",
    "aux",
    "en",
    "pour",
    "sur",
    "holdings",
    "holding",
    "enterprises",
    "enterprise",
    "entreprises",
    "entreprise",
    "group",
    "groupe",
    "services",
    "service",
    "gestion",
    "management",
    "investments",
    "investissements",
    "placements",
    "consulting",
    "consultants",
    "solutions",
    "associates",
    "associes",
    "international",
    "canada",
    "atlantic",
    "atlantique",
)

# 'operating as' markers, after folding ('o/a' -> 'o a', 'f.a.s.' -> 'fas').
_TRADE_NAME_MARKERS = (
    "o a|dba|d b a|operating as|carrying on business as|cob|trading as|t a|"
    "faisant affaire sous|faisant affaires sous|fas|exploitant sous"
)

NAME_COLUMNS: tuple[str, ...] = (
    "name_std",
    "name_legal_form",
    "numbered_company",
    "numbered_jurisdiction",
    "name_store_number",
    "name_key",
)


def standardise_names(values: pd.Series, table: LegalFormTable | None = None) -> pd.DataFrame:
    """All name columns (see NAME_COLUMNS) for a column of raw names, distinct values only."""
    return map_unique(values, lambda uniques: _standardise(uniques, table or default_table()))


def _strip_form(text: pd.Series, table: LegalFormTable) -> tuple[pd.Series, pd.Series]:
    """Remove one trailing legal form; return the rest and the form's code (or <NA>)."""
    # Unanchored: RE2 finds the leftmost (so longest) form and captures only the suffix.
    suffix = f" (?:{table.forms_pattern})$"
    found = regex_extract(text, f" (?P<form>{table.forms_pattern})$", probe=suffix)
    code = found["form"].map(table.code_by_variant).astype("string")
    return text.str.replace(suffix, "", regex=True), code


def _standardise(raw: pd.Series, table: LegalFormTable) -> pd.DataFrame:
    text = punctuation_to_spaces(raw)
    # 'ABC Ltd. o/a Joe's Diner': the trade name after the marker is not the legal name.
    text = text.str.replace(f" (?:{_TRADE_NAME_MARKERS}) .*$", "", regex=True)
    text = text.str.replace("^(?:the|le|la|les|l) ", "", regex=True)
    text, form = _strip_form(text, table)
    text, inner = _strip_form(text, table)  # 'Co. Ltd.', 'Ltd./Ltée'
    form = form.fillna(inner)
    text = text.str.replace(" and$", "", regex=True)  # 'Smith & Co.' -> 'smith'

    # Franchise store numbers ('Tim Hortons #1234') go to their own column: the brand stays
    # comparable and the number can still tell two franchisees apart.
    marker = " (?:#|no|store|magasin|succursale)(?: no| #)? ?"
    store = regex_extract(
        text, f"^(?P<base>.+?){marker}(?P<num>[0-9]{{1,6}})$", probe=f"{marker}[0-9]{{1,6}}$"
    )
    text = store["base"].fillna(text)
    hashes = text.str.contains("#", regex=False).to_numpy(dtype=bool, na_value=False)
    if hashes.any():
        text = text.copy()
        cleaned = text[hashes].str.replace("#", " ", regex=False)
        text[hashes] = cleaned.str.replace(" +", " ", regex=True).str.strip()
    text = text.str.replace(r"\bste\b", "sainte", regex=True)
    text = text.str.replace(r"\bst\b", "saint", regex=True)

    jurisdictions = table.jurisdictions_pattern
    numbered = regex_extract(
        text, f"^(?P<num>[0-9]{{4}} [0-9]{{4}}|[0-9]{{3,10}})(?: (?P<jur>{jurisdictions}))?$"
    )
    digits = numbered["num"].str.replace(" ", "", regex=False)
    has_jurisdiction = numbered["jur"].notna()
    is_numbered = digits.notna() & (has_jurisdiction | (form.notna() & digits.str.len().ge(5)))
    is_numbered = is_numbered.fillna(False).astype(bool)
    numbered_company = digits.where(is_numbered)
    jurisdiction = numbered["jur"].map(table.jurisdiction_by_variant).astype("string")
    name_std = text.where(~is_numbered, numbered_company)
    name_std = name_std.mask(name_std.eq(""))

    return pd.DataFrame(
        {
            "name_std": name_std,
            "name_legal_form": form,
            "numbered_company": numbered_company,
            "numbered_jurisdiction": jurisdiction.where(is_numbered),
            "name_store_number": store["num"].astype("string"),
            "name_key": _name_key(name_std),
        }
    )


def _name_key(name_std: pd.Series) -> pd.Series:
    """First two significant words of the name, in alphabetical order ('joes pizza').

    Stop words and generic business words go first, so 'Les Entreprises Joe's Pizza' and
    "Joe's Pizza Holdings" share the key; a name made only of such words keeps its own first
    two words. Numbered companies key on their number.
    """
    stop = "|".join(NAME_KEY_STOP_WORDS)
    significant = name_std.str.replace(rf"\b(?:{stop})\b", " ", regex=True)
    significant = significant.str.replace(" +", " ", regex=True).str.strip()
    significant = significant.mask(significant.eq("")).fillna(name_std)
    words = regex_extract(significant, "^(?P<a>[a-z0-9]+)(?: (?P<b>[a-z0-9]+))?")
    first, second = words["a"], words["b"]
    swap = (second < first).fillna(False).astype(bool)
    low = first.where(~swap, second)
    high = second.where(~swap, first)
    key = (low + " " + high).fillna(low)
    return key.astype("string")
