"""The federal Business Number: the strongest evidence two records are one business.

The nine-digit root is kept as given even when its check digit fails, because a mistyped BN
still agrees with itself across one ministry's records; `bn_valid` says whether to trust it.
Validation is python-stdnum: `stdnum.luhn.is_valid` on the root, which is exactly what
`stdnum.ca.bn` checks for a nine-digit root, called once per distinct root.
"""

import re

import pandas as pd
from stdnum import luhn

from matching.text import map_unique, regex_extract

IDENTIFIER_COLUMNS: tuple[str, ...] = ("bn_root", "bn_valid", "bn_program_accounts")

_BN = "^(?P<root>[0-9]{9})(?P<account>[A-Z]{2}[0-9]{4})?$"
# Run on distinct combinations only: few programs exist, so few distinct strings do.
_ACCOUNT_RE = re.compile(r"[A-Z]{2} ?[0-9]{4}")


def _business_numbers(uniques: pd.Series) -> pd.DataFrame:
    compact = uniques.astype("string").str.upper().str.replace("[^0-9A-Z]", "", regex=True)
    parts = regex_extract(compact, _BN)
    roots = parts["root"].astype("string")
    # A root is nine digits here, for which ca.bn.is_valid is exactly luhn.is_valid (half the
    # cost; tests check the two agree).
    valid_by_root = {r: luhn.is_valid(r) for r in roots.dropna().unique()}
    return pd.DataFrame(
        {
            "bn_root": roots,
            "bn_valid": roots.map(valid_by_root).astype("boolean"),
            "bn_account": parts["account"].astype("string"),
        }
    )


def _accounts(uniques: pd.Series) -> pd.DataFrame:
    def one(value: object) -> object:
        if value is None or pd.isna(value):
            return pd.NA
        found = sorted({a.replace(" ", "") for a in _ACCOUNT_RE.findall(str(value).upper())})
        return ";".join(found) if found else pd.NA

    return pd.DataFrame({"accounts": [one(v) for v in uniques]}, dtype="string")


def standardise_business_numbers(
    business_number: pd.Series, program_accounts: pd.Series
) -> pd.DataFrame:
    """`bn_root`, `bn_valid` (boolean, <NA> without a root) and `bn_program_accounts`.

    Program accounts come from a BN15 ('123456789RT0001') and from the `program_accounts`
    column; they are upper-cased, de-duplicated and sorted, joined by ';'.
    """
    bn = map_unique(business_number, _business_numbers)
    combined = bn["bn_account"].fillna("") + ";" + program_accounts.astype("string").fillna("")
    accounts = map_unique(combined, _accounts)["accounts"]
    return pd.DataFrame(
        {
            "bn_root": bn["bn_root"],
            "bn_valid": bn["bn_valid"],
            "bn_program_accounts": accounts,
        },
        index=business_number.index,
    )
