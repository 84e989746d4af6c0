"""The federal Business Number: the strongest evidence two records are one business.

The nine-digit root is kept as given even when its check digit fails, because a mistyped BN
still agrees with itself across one ministry's records; `bn_valid` says whether to trust it.
Validation is the Luhn check `stdnum.ca.bn` applies to a nine-digit root (`stdnum.luhn`),
computed over all distinct roots at once with numpy: a Python call per root cost seconds at
a million records.
"""

import re

import numpy as np
import pandas as pd

from matching.text import map_unique, regex_extract

IDENTIFIER_COLUMNS: tuple[str, ...] = ("bn_root", "bn_valid", "bn_program_accounts")

_BN = "^(?P<root>[0-9]{9})(?P<account>[A-Z]{2}[0-9]{4})?$"
# Run on distinct combinations only: few programs exist, so few distinct strings do.
_ACCOUNT_RE = re.compile(r"[A-Z]{2} ?[0-9]{4}")


def _business_numbers(uniques: pd.Series) -> pd.DataFrame:
    compact = uniques.astype("string").str.upper().str.replace("[^0-9A-Z]", "", regex=True)
    parts = regex_extract(compact, _BN)
    roots = parts["root"].astype("string")
    # A root is nine digits here, for which ca.bn.is_valid is exactly luhn.is_valid (tests
    # check the two agree).
    present = roots.notna().to_numpy(bool)
    valid = pd.array(np.full(len(roots), pd.NA), dtype="boolean")
    valid[present] = luhn_valid(roots[present].to_numpy(dtype=object))
    return pd.DataFrame(
        {
            "bn_root": roots,
            "bn_valid": pd.Series(valid, index=roots.index),
            "bn_account": parts["account"].astype("string"),
        }
    )


def luhn_valid(numbers: np.ndarray) -> np.ndarray:
    """stdnum.luhn.is_valid of nine-digit strings, as one numpy computation: from the right,
    digits in odd places count as they are, the others doubled with their digits summed."""
    if not len(numbers):
        return np.zeros(0, bool)
    digits = (np.frombuffer("".join(numbers).encode("ascii"), np.uint8)
              .reshape(len(numbers), 9).astype(np.int64) - ord("0"))
    doubled = digits[:, 1::2] * 2
    total = digits[:, 0::2].sum(axis=1) + (doubled // 10 + doubled % 10).sum(axis=1)
    return total % 10 == 0


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
