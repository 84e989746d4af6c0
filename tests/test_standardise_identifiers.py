"""Business Number: root as given, python-stdnum validity, program accounts."""

import numpy as np
import pandas as pd
import pytest
from stdnum.ca import bn

from matching.identifiers import standardise_business_numbers

VALID_ROOT = "123456782"  # passes the Luhn check
BAD_ROOT = "123456789"  # same digits, wrong check digit


def run(number: str | None, accounts: str | None = None) -> dict:
    result = standardise_business_numbers(
        pd.Series([number], dtype="string"), pd.Series([accounts], dtype="string")
    )
    return {k: (None if pd.isna(v) else v) for k, v in result.iloc[0].items()}


def test_fixture_roots() -> None:
    assert bn.is_valid(VALID_ROOT) and not bn.is_valid(BAD_ROOT)


@pytest.mark.parametrize("raw", [VALID_ROOT, "123 456 782", "123-456-782", " 123456782 "])
def test_bn9(raw: str) -> None:
    assert run(raw) == {"bn_root": VALID_ROOT, "bn_valid": True, "bn_program_accounts": None}


@pytest.mark.parametrize(
    "raw", ["123456782RT0001", "123456782 RT 0001", "123456782rt0001", "12345 6782 RT0001"]
)
def test_bn15_gives_root_and_program_account(raw: str) -> None:
    assert run(raw) == {
        "bn_root": VALID_ROOT, "bn_valid": True, "bn_program_accounts": "RT0001"
    }


def test_program_accounts_column_is_merged_sorted_and_deduplicated() -> None:
    result = run("123456782RT0001", "rp0001; RT0001,RC 0002")
    assert result["bn_program_accounts"] == "RC0002;RP0001;RT0001"
    assert run(None, "RT0001")["bn_program_accounts"] == "RT0001"


def test_bad_check_digit_keeps_the_root() -> None:
    assert run(BAD_ROOT) == {"bn_root": BAD_ROOT, "bn_valid": False, "bn_program_accounts": None}
    assert run(BAD_ROOT + "RP0002")["bn_program_accounts"] == "RP0002"


@pytest.mark.parametrize("raw", ["12345", "1234567890", "ABCDEFGHI", "123456782RT01", "", None])
def test_malformed_numbers_have_no_root(raw: str | None) -> None:
    result = run(raw)
    assert result["bn_root"] is None and result["bn_valid"] is None


def test_validity_matches_stdnum_ca_bn_on_many_roots() -> None:
    roots = np.random.default_rng(3).integers(100_000_000, 999_999_999, 5000).astype(str)
    result = standardise_business_numbers(
        pd.Series(roots, dtype="string"), pd.Series([None] * len(roots), dtype="string")
    )
    assert result["bn_valid"].tolist() == [bn.is_valid(r) for r in roots]


def test_dtypes_and_index() -> None:
    result = standardise_business_numbers(
        pd.Series([VALID_ROOT, None], index=[4, 2]), pd.Series([None, None], index=[4, 2])
    )
    assert list(result.index) == [4, 2]
    assert str(result["bn_valid"].dtype) == "boolean"
    assert str(result["bn_root"].dtype) == "string"
