"""Phones (E.164 via phonenumbers) and e-mails (free-mail domains are no evidence)."""

import numpy as np
import pandas as pd
import phonenumbers
import pytest

from matching.contacts import standardise_emails, standardise_phones


def phone(raw: str | None) -> str | None:
    value = standardise_phones(pd.Series([raw], dtype="string")).iloc[0]
    return None if pd.isna(value) else value


@pytest.mark.parametrize(
    "raw",
    ["902.424.5555", "902-424-5555", "(902) 424-5555", "902 424 5555", "9024245555",
     "1-902-424-5555", "19024245555", "+1 902 424 5555", "+1 (902) 424-5555", "+19024245555",
     "011 1 902 424 5555", "902-424-5555 ext. 22", "902-424-5555 x22", "902.424.5555 #22",
     "(902) 424-5555, poste 3", "902 424 5555 Extension 1234"],
)
def test_phone_formats_give_one_e164(raw: str) -> None:
    assert phone(raw) == "+19024245555"


@pytest.mark.parametrize(
    "raw",
    ["424-5555", "902-123-4567", "123-456-7890", "555-555-5555", "abc", "", "0", None,
     "902-424-55555555"],
)
def test_invalid_phones_are_null(raw: str | None) -> None:
    assert phone(raw) is None


def test_foreign_and_vanity_numbers_go_through_phonenumbers() -> None:
    assert phone("+44 20 7946 0958") == "+442079460958"
    assert phone("+33 1 42 68 53 00") == "+33142685300"
    assert phone("1-800-FLOWERS") == "+18003569377"
    assert phone("+44 12") is None


def test_prefix_keyed_validity_agrees_with_per_number_phonenumbers() -> None:
    """The shortcut (validity decided per 7-digit prefix) must equal a call per number."""
    rng = np.random.default_rng(2026)
    numbers = rng.integers(2_000_000_000, 9_999_999_999, 3000).astype(str)
    ours = standardise_phones(pd.Series(numbers, dtype="string"))
    for number, value in zip(numbers, ours, strict=True):
        parsed = phonenumbers.parse(number, "CA")
        expected = phonenumbers.is_valid_number(parsed)
        assert (not pd.isna(value)) == expected, number


def test_phone_index_and_dtype() -> None:
    result = standardise_phones(pd.Series(["902 424 5555", None], index=[7, 3]))
    assert list(result.index) == [7, 3]
    assert str(result.dtype) == "string"


@pytest.mark.parametrize(
    ("raw", "email", "domain"),
    [
        ("  Info@Bakery.CA ", "info@bakery.ca", "bakery.ca"),
        ("mailto:sales@acme.com", "sales@acme.com", "acme.com"),
        ("joe.smith@gmail.com", "joe.smith@gmail.com", None),
        ("x@hotmail.com", "x@hotmail.com", None),
        ("x@yahoo.ca", "x@yahoo.ca", None),
        ("x@outlook.com", "x@outlook.com", None),
        ("x@videotron.ca", "x@videotron.ca", None),
        ("x@eastlink.ca", "x@eastlink.ca", None),
        ("x@ns.sympatico.ca", "x@ns.sympatico.ca", None),
        ("x@notgmail.com", "x@notgmail.com", "notgmail.com"),
        ("not an email", None, None),
        ("a@b", None, None),
        (None, None, None),
    ],
)
def test_emails(raw: str | None, email: str | None, domain: str | None) -> None:
    result = standardise_emails(pd.Series([raw], dtype="string")).iloc[0]
    assert (None if pd.isna(result["email_std"]) else result["email_std"]) == email
    assert (None if pd.isna(result["email_domain"]) else result["email_domain"]) == domain
