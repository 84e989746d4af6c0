"""When a business's names are a person's: one rule for shares, audits and lineage views.

A sole proprietorship's or partnership's legal and operating names are usually its owners'
names (docs/canonical-schema.md). Only the companies registry says what type a business is; a
business known only to other registers has no type, and its names count as personal unless its
legal form is one a person cannot hold (a corporation, society or co-operative form).
"""

import pandas as pd

PERSON_BUSINESS_TYPES: tuple[str, ...] = ("sole_proprietorship", "partnership")
# Standardised legal forms (matching/legal_forms.yaml) of the partnership family: partners
# may be named in them, so they do not make a business's names impersonal.
PARTNERSHIP_LEGAL_FORMS: tuple[str, ...] = ("llp", "lp", "senc", "sencrl", "sec")
NAME_FIELDS: tuple[str, ...] = ("legal_name", "operating_name")


def names_may_be_personal(business_type: pd.Series, legal_form: pd.Series) -> pd.Series:
    """True where a business's names may be a person's (vectorised, nulls handled)."""
    typed = business_type.notna().to_numpy(dtype=bool)
    person = business_type.isin(PERSON_BUSINESS_TYPES).fillna(False).to_numpy(dtype=bool)
    corporate = (legal_form.notna() & ~legal_form.isin(PARTNERSHIP_LEGAL_FORMS)).fillna(
        False).to_numpy(dtype=bool)
    return pd.Series(person | (~typed & ~corporate), index=business_type.index)


def name_may_be_personal(business_type: str | None, legal_form: str | None) -> bool:
    """The same rule for one business."""
    return bool(names_may_be_personal(pd.Series([business_type], dtype=object),
                                      pd.Series([legal_form], dtype=object)).iloc[0])
