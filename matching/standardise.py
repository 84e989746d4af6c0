"""The standardisation stage of the matching engine: one comparable form per field.

`standardise_records` is a pure function of a canonical DataFrame: it adds the standardised
columns listed in STANDARDISED_COLUMNS and changes nothing else, so it can run on one block
partition per worker later. Every rule and column is documented in docs/standardisation.md.
"""

import pandas as pd

from matching.addresses import (
    ADDRESS_COLUMNS,
    standardise_addresses,
    standardise_cities,
    standardise_postal_codes,
    standardise_provinces,
)
from matching.contacts import CONTACT_COLUMNS, standardise_emails, standardise_phones
from matching.identifiers import IDENTIFIER_COLUMNS, standardise_business_numbers
from matching.names import NAME_COLUMNS, standardise_names

INPUT_COLUMNS: tuple[str, ...] = (
    "legal_name",
    "operating_name",
    "legal_form",
    "business_number",
    "program_accounts",
    "address_line",
    "city",
    "province",
    "postal_code",
    "phone",
    "email",
)

STANDARDISED_COLUMNS: tuple[str, ...] = (
    *NAME_COLUMNS,
    "operating_name_std",
    *ADDRESS_COLUMNS,
    "city_std",
    "postal_code_std",
    "fsa",
    "province_std",
    *CONTACT_COLUMNS,
    *IDENTIFIER_COLUMNS,
)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """The input column as pandas string dtype; an absent column is all <NA>."""
    if name in frame.columns:
        return frame[name].astype("string")
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def legal_form_from_column(values: pd.Series) -> pd.Series:
    """Canonical code of a legal_form column value ('Ltée', 'S.E.N.C.', 'Limited Company')."""
    # A name of one placeholder word followed by the form reuses the name rules exactly.
    return standardise_names("x " + values)["name_legal_form"]


def standardise_records(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of `frame` with the standardised columns added (string / boolean dtypes)."""
    out = frame.copy()
    # Legal and operating names in one pass: a business's two names are often the same
    # string, and the distinct-value step then standardises it once.
    rows = len(frame)
    both = standardise_names(
        pd.concat([_column(frame, "legal_name"), _column(frame, "operating_name")],
                  ignore_index=True)
    )
    names = both.iloc[:rows].set_axis(frame.index)
    operating = both.iloc[rows:].set_axis(frame.index)
    names["name_legal_form"] = names["name_legal_form"].fillna(
        legal_form_from_column(_column(frame, "legal_form"))
    )
    addresses = standardise_addresses(_column(frame, "address_line"))
    postal = standardise_postal_codes(_column(frame, "postal_code"))
    emails = standardise_emails(_column(frame, "email"))
    ids = standardise_business_numbers(
        _column(frame, "business_number"), _column(frame, "program_accounts")
    )
    added = {
        **{c: names[c] for c in NAME_COLUMNS},
        "operating_name_std": operating["name_std"],
        **{c: addresses[c] for c in ADDRESS_COLUMNS},
        "city_std": standardise_cities(_column(frame, "city")),
        "postal_code_std": postal["postal_code_std"],
        "fsa": postal["fsa"],
        "province_std": standardise_provinces(_column(frame, "province")),
        "phone_e164": standardise_phones(_column(frame, "phone")),
        "email_std": emails["email_std"],
        "email_domain": emails["email_domain"],
        **{c: ids[c] for c in IDENTIFIER_COLUMNS},
    }
    for name in STANDARDISED_COLUMNS:
        values = added[name]
        dtype = "boolean" if name == "bn_valid" else "string"
        out[name] = values.set_axis(frame.index).astype(dtype)
    return out

