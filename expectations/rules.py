"""Vectorised row predicates: the batch frame GX sees and the failures it must agree with.

Checks GX cannot express (check digits, phonenumbers, cross-column rules) become boolean
helper columns computed over whole columns (stdnum and phonenumbers run once per distinct
value). Failures are computed here with the same semantics GX uses for each kind (nulls pass
every kind but NOT_NULL), so the quarantine and the GX record agree row for row.
"""

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd
from stdnum import luhn

from expectations import reference as ref
from expectations.catalogue import PRESENT_SUFFIX, Check, Kind
from expectations.phones import phone_valid
from expectations.settings import SourceRules


def normalise_provinces(province: pd.Series) -> tuple[pd.Series, int]:
    """Map old codes (NF, PQ) and EN/FR names to the current codes; unknown values stay."""
    keys = ref.letters_keys(province)
    mapped = keys.map(ref.PROVINCE_ALIASES).astype("string")
    out = mapped.fillna(province).astype("string")
    changed = int((out != province).fillna(False).sum())
    return out, changed


def _map_unique(values: pd.Series, fn: Callable[[str], bool]) -> pd.Series:
    """Apply `fn` once per distinct non-null value; nulls map to True (not applicable)."""
    codes, uniques = pd.factorize(values)
    answers = np.fromiter((fn(v) for v in uniques), dtype=bool, count=len(uniques))
    ok = np.ones(len(values), dtype=bool)
    present = codes >= 0
    ok[present] = answers[codes[present]]
    return pd.Series(ok, index=values.index)


def _not_future(column: pd.Series, today: date) -> pd.Series:
    limit = pd.Timestamp(today).as_unit("s")
    return ~(column > limit).fillna(False).astype(bool)


def _bn_kind_ok(compact: pd.Series, kinds: list[str]) -> pd.Series:
    formed = compact.str.contains(ref.BN_COMPACT_REGEX, regex=True).fillna(False)
    is15 = formed & (compact.str.len() == 15)
    kind = compact.str.slice(9, 11)
    return ~(is15 & ~kind.isin(kinds)).astype(bool)


def _bn_check_ok(compact: pd.Series) -> pd.Series:
    """Root check digit as stdnum.ca.bn checks it; only judged where the format is right.

    stdnum.ca.bn.validate checks length and digits, then calls stdnum.luhn.validate on the
    first 9 digits; the format expectation has already checked length and digits, so the
    root goes straight to stdnum.luhn (half the cost per value; a test checks both agree).
    """
    formed = compact.str.contains(ref.BN_COMPACT_REGEX, regex=True).fillna(False)
    root = compact.where(formed).str.slice(0, 9)
    return _map_unique(root, luhn.is_valid)


def _postal_matches_province(postal: pd.Series, province: pd.Series) -> pd.Series:
    """Judged only where both the postal code and the province are well formed."""
    formatted = postal.str.contains(ref.POSTAL_CODE_REGEX, regex=True).fillna(False)
    known = province.isin(ref.PROVINCE_CODES).fillna(False)
    key = postal.str.strip().str.slice(0, 1).str.upper() + ":" + province
    allowed = [f"{ltr}:{p}" for ltr, ps in ref.POSTAL_LETTER_PROVINCES.items() for p in ps]
    bad = formatted & known & ~key.isin(allowed).fillna(False)
    return ~bad.astype(bool)


def helper_columns(
    frame: pd.DataFrame, checks: list[Check], rules: SourceRules, today: date
) -> dict[str, pd.Series]:
    """Derived columns the checks need, computed vectorised over the (normalised) frame."""
    wanted = {c.gx_column for c in checks if c.gx_column.startswith("_")}
    out: dict[str, pd.Series] = {}
    compact = ref.bn_compact(frame["business_number"])
    builders: dict[str, Callable[[], pd.Series]] = {
        "_bn_compact": lambda: compact,
        "_ok_business_number_check_digit": lambda: _bn_check_ok(compact),
        "_ok_business_number_program_account": lambda: _bn_kind_ok(
            compact, rules.program_account_kinds),
        "_ok_postal_code_matches_province": lambda: _postal_matches_province(
            frame["postal_code"], frame["province"]),
        "_ok_registration_date_not_future": lambda: _not_future(frame["registration_date"], today),
        "_ok_status_date_not_future": lambda: _not_future(frame["status_date"], today),
        "_ok_registration_not_after_status_date": lambda: ~(
            frame["registration_date"] > frame["status_date"]).fillna(False).astype(bool),
        "_legal_form_key": lambda: ref.letters_keys(frame["legal_form"]),
        "_ok_phone_valid": lambda: phone_valid(frame["phone"]),
        "_ok_email_syntax": lambda: ~pd.Series(
            _pattern_misses(frame["email"], ref.EMAIL_REGEX), index=frame.index),
        "_ok_owner_postal_code_format": lambda: ~(
            frame["owner_postal_code"].notna()
            & ~frame["owner_postal_code"].str.contains(ref.POSTAL_CODE_REGEX, regex=True)
        ).fillna(False).astype(bool),
    }
    for name in sorted(wanted):
        if name in builders:
            out[name] = builders[name]()
        elif name.endswith(PRESENT_SUFFIX):  # required personal field: presence only
            field = name.removeprefix("_ok_").removesuffix(PRESENT_SUFFIX)
            out[name] = frame[field].notna().astype(bool)
    return out


def _pattern_misses(values: pd.Series, regex: str) -> np.ndarray:
    """Non-null values the regex does not find, by distinct value (GX: str.contains)."""
    hits = values.str.contains(regex, regex=True)
    return (~hits.fillna(True)).to_numpy(bool)


def failures(batch: pd.DataFrame, checks: list[Check]) -> dict[str, np.ndarray]:
    """Per check, a boolean array over rows: True where the row fails it (GX semantics)."""
    out: dict[str, np.ndarray] = {}
    for check in checks:
        column = batch[check.gx_column]
        match check.kind:
            case Kind.NOT_NULL:
                fail = column.isna().to_numpy(bool)
            case Kind.UNIQUE:
                fail = (column.notna() & column.duplicated(keep=False)).to_numpy(bool)
            case Kind.REGEX:
                fail = _pattern_misses(column, check.regex or "")
            case Kind.IN_SET:
                fail = (column.notna() & ~column.isin(check.value_set or ())).to_numpy(bool)
            case Kind.TRUE:
                fail = ~column.fillna(True).to_numpy(bool)
        out[check.name] = fail
    return out
