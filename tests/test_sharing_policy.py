"""Each shipped agreement applied to a hand-made publication: exact rows and values."""

import hashlib
import hmac

import pandas as pd
import pytest

from registry import sharing_policy
from registry.golden_schema import GOLDEN_COLUMNS
from registry.sharing_agreement import SharingAgreement, load_sharing
from registry.sharing_policy import (
    SHARED_COLUMNS,
    SharingError,
    agreement_secret,
    mask_values,
    shared_rows,
)

SECRETS = {"rjsc": b"rjsc-secret-0123456789", "wcb": b"wcb-secret-0123456789",
           "permits": b"permits-secret-0123456789", "revenue": None}
BN = "123456782"
# One row per case: a corporation; a sole proprietorship with its owner; a retired business; an
# active business that its register says is inactive (same BN as the first); a partnership.
ROWS = [
    dict(registry_id="UBR-A", status="active", retired_into=None, legal_name="Harbour Bakery Ltd",
         operating_name="Harbour Bakery", business_type="corporation", legal_form="Ltd",
         business_number=BN, business_status="active", status_date="2020-01-02",
         registration_date="2001-05-06", address_type="registered_office",
         address_line="1 Water St", city="Halifax", province="NS", postal_code="B3H 4R2",
         phone="+19025551234", email="info@bakery.ca", naics_code="311811",
         employee_band="10-19"),
    dict(registry_id="UBR-B", status="active", retired_into=None, legal_name="Jane Doe",
         operating_name="Jane's Cakes", business_type="sole_proprietorship",
         business_number="987654321", business_status="active",
         registration_date="2015-03-04", address_line="12 Elm St", city="Dartmouth",
         province="NS", postal_code="B2Y 1A1", phone="(902) 555-0199",
         email="jane.doe@gmail.com", owner_name="Jane Doe", owner_address_line="12 Elm St",
         owner_city="Dartmouth", owner_postal_code="B2Y 1A1"),
    dict(registry_id="UBR-C", status="retired", retired_into="UBR-A",
         legal_name="Harbour Bakery Limited", business_type="corporation",
         business_status="amalgamated", city="Halifax", province="NS"),
    dict(registry_id="UBR-D", status="active", retired_into=None, legal_name="Harbour Holdings",
         business_type="corporation", business_number=BN, business_status="inactive",
         city="Halifax", province="NS", postal_code="B3H 4R2", phone="902 555 7788"),
    dict(registry_id="UBR-E", status="active", retired_into=None, legal_name="Smith & Jones",
         operating_name="Smith Jones Roofing", business_type="partnership",
         business_status="active", city="Truro", province="NS", owner_name="Ann Smith"),
]


def published() -> pd.DataFrame:
    frame = pd.DataFrame(ROWS).reindex(columns=[*SHARED_COLUMNS, "member_count"])
    frame["member_count"] = 2
    return frame.astype({c: "string" for c in SHARED_COLUMNS})


def expected(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=list(SHARED_COLUMNS)).astype(object).where(
        lambda f: f.notna(), None)


def source(ids: list[str], **changes) -> list[dict]:
    """The published rows with these ids, every field present, changed as given."""
    by_id = {r["registry_id"]: {c: r.get(c) for c in SHARED_COLUMNS} for r in ROWS}
    return [{**by_id[i], **changes.get(i, {})} for i in ids]


def hmac32(secret: bytes, field: str, value: str) -> str:
    return hmac.new(secret, f"{field}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def share(ministry: str) -> pd.DataFrame:
    agreement = load_sharing().get(ministry)
    return shared_rows(published(), agreement, SECRETS[ministry])


def assert_frame(actual: pd.DataFrame, rows: list[dict]) -> None:
    assert list(actual.columns) == list(SHARED_COLUMNS)
    assert actual.to_dict("records") == expected(rows).to_dict("records")


def withheld(*fields: str) -> dict:
    return dict.fromkeys(fields)


def test_rjsc_public_register():
    s = SECRETS["rjsc"]
    common = withheld("naics_code", "employee_band", "owner_address_line")
    rows = source(["UBR-A", "UBR-B", "UBR-C", "UBR-D", "UBR-E"], **{
        "UBR-A": {**common, "phone": "********1234", "email": hmac32(s, "email", "info@bakery.ca")},
        "UBR-B": {**common, "phone": "(***) ***-0199", "owner_postal_code": "B2Y ***",
                  "email": hmac32(s, "email", "jane.doe@gmail.com")},
        "UBR-C": common,
        "UBR-D": {**common, "phone": "*** *** 7788"},
        "UBR-E": common,
    })
    actual = share("rjsc")
    assert_frame(actual, rows)
    assert actual.loc[1, "owner_name"] == "Jane Doe"  # personal information allowed


def test_wcb_employer_accounts_withhold_owner_names():
    s = SECRETS["wcb"]
    hidden = withheld("email", "owner_name", "owner_address_line", "owner_city",
                      "owner_postal_code")
    owner = {**hidden, "legal_name": None, "operating_name": None}
    rows = source(["UBR-A", "UBR-B", "UBR-C", "UBR-D", "UBR-E"], **{
        "UBR-A": {**hidden, "business_number": hmac32(s, "business_number", BN)},
        "UBR-B": {**owner, "business_number": hmac32(s, "business_number", "987654321")},
        "UBR-C": hidden,
        "UBR-D": {**hidden, "business_number": hmac32(s, "business_number", BN)},
        "UBR-E": owner,
    })
    actual = share("wcb")
    assert_frame(actual, rows)
    # One BN, one pseudonym within the Board's share (holding and operating company).
    assert actual.loc[0, "business_number"] == actual.loc[3, "business_number"]
    assert actual.loc[2, "business_number"] is None  # null stays null
    assert actual.loc[1, "phone"] == "(902) 555-0199"  # clear


def test_revenue_sees_everything_in_clear():
    assert_frame(share("revenue"), source(["UBR-A", "UBR-B", "UBR-C", "UBR-D", "UBR-E"]))


def test_permits_active_businesses_only_without_sole_proprietors():
    s = SECRETS["permits"]
    hidden = withheld("status_date", "registration_date", "employee_band", "owner_name",
                      "owner_address_line", "owner_city", "owner_postal_code")
    rows = source(["UBR-A"], **{"UBR-A": {
        **hidden, "business_number": hmac32(s, "business_number", BN),
        "phone": "********1234", "email": "in**@******.**"}})
    assert_frame(share("permits"), rows)


def test_pseudonyms_differ_between_ministries_and_fields():
    wcb, permits = share("wcb"), share("permits")
    assert wcb.loc[0, "registry_id"] == permits.loc[0, "registry_id"] == "UBR-A"
    assert wcb.loc[0, "business_number"] != permits.loc[0, "business_number"]
    assert len(wcb.loc[0, "business_number"]) == 32
    assert hmac32(SECRETS["wcb"], "business_number", BN) != hmac32(SECRETS["wcb"], "phone", BN)


def test_each_distinct_value_is_hashed_once(monkeypatch):
    calls = []
    real = sharing_policy.pseudonym
    monkeypatch.setattr(sharing_policy, "pseudonym",
                        lambda *args: calls.append(args[2]) or real(*args))
    share("wcb")
    assert sorted(calls) == sorted([BN, "987654321"])


def test_a_missing_secret_names_the_variable_and_the_agreement(monkeypatch):
    wcb = load_sharing().get("wcb")
    monkeypatch.delenv("UBR_SHARING_SECRET_WCB", raising=False)
    with pytest.raises(SharingError) as error:
        agreement_secret(wcb)
    assert "agreement 'wcb'" in str(error.value)
    assert "UBR_SHARING_SECRET_WCB" in str(error.value)
    with pytest.raises(SharingError, match="UBR_SHARING_SECRET_WCB") as error:
        shared_rows(published(), wcb, None)
    assert not any(str(v) in str(error.value) for row in ROWS for v in row.values() if v)
    monkeypatch.setenv("UBR_SHARING_SECRET_WCB", "s3cret-value-of-at-least-32-bytes")
    assert agreement_secret(wcb) == b"s3cret-value-of-at-least-32-bytes"
    assert agreement_secret(load_sharing().get("revenue")) is None
    assert issubclass(SharingError, ValueError)


def test_a_missing_column_is_named_without_values():
    frame = published().drop(columns=["owner_city"])
    with pytest.raises(SharingError, match=r"lacks column\(s\) \['owner_city'\]") as error:
        shared_rows(frame, load_sharing().get("revenue"), None)
    assert "Harbour" not in str(error.value)


def agreement(**changes) -> SharingAgreement:
    base = {"id": "test", "ministry": "Test", "purpose": "tests", "sources": ["rjsc"],
            "personal_information": "allowed",
            "fields": {"legal_name": "clear", "operating_name": "clear", "owner_name": "clear"}}
    return SharingAgreement.model_validate({**base, **changes})


def test_row_filters_are_applied_first_and_all_must_hold():
    ids = lambda frame: frame["registry_id"].tolist()  # noqa: E731
    assert ids(shared_rows(published(), agreement(rows={"status": ["retired"]}), None)) \
        == ["UBR-C"]
    both = agreement(rows={"business_type": ["corporation"], "business_status": ["active"]})
    assert ids(shared_rows(published(), both, None)) == ["UBR-A"]
    # A null in the filtered column fails the filter.
    phones = agreement(rows={"phone": ["+19025551234", "902 555 7788"]})
    assert ids(shared_rows(published(), phones, None)) == ["UBR-A", "UBR-D"]
    assert len(shared_rows(published().iloc[:0], agreement(), None)) == 0


def test_personal_information_modes():
    names = ["legal_name", "operating_name", "owner_name"]
    allowed = shared_rows(published(), agreement(), None).set_index("registry_id")[names]
    assert allowed.loc["UBR-B"].tolist() == ["Jane Doe", "Jane's Cakes", "Jane Doe"]
    assert allowed.loc["UBR-E"].tolist() == ["Smith & Jones", "Smith Jones Roofing", "Ann Smith"]
    fields = {"legal_name": "clear", "operating_name": "clear", "owner_name": "withheld"}
    withheld_ = shared_rows(published(), agreement(personal_information="withheld",
                                                   fields=fields), None)
    by_id = withheld_.set_index("registry_id")[names]
    assert by_id.loc["UBR-B"].tolist() == [None, None, None]
    assert by_id.loc["UBR-E"].tolist() == [None, None, None]
    assert by_id.loc["UBR-A"].tolist() == ["Harbour Bakery Ltd", "Harbour Bakery", None]
    excluded = shared_rows(published(), agreement(personal_information="excluded",
                                                  fields=fields), None)
    assert excluded["registry_id"].tolist() == ["UBR-A", "UBR-C", "UBR-D"]


def test_withheld_names_are_not_pseudonymised(monkeypatch):
    calls = []
    monkeypatch.setattr(sharing_policy, "pseudonym", lambda *args: calls.append(args[2]) or "x")
    rule = agreement(personal_information="withheld", secret_env="UBR_SHARING_SECRET_TEST",
                     fields={"legal_name": "pseudonym"})
    shared = shared_rows(published(), rule, b"k")
    assert "Jane Doe" not in calls and "Smith & Jones" not in calls
    assert shared["legal_name"].tolist() == ["x", None, "x", "x", None]


def test_masked_formats():
    values = pd.Series(["+19025551234", "B3H 4R2", None, "1234", "info@bakery.ca",
                        "(902) 555-0199"], dtype="string")
    assert mask_values(values, "last", 4).tolist() == [
        "********1234", "*** 4R2", None, "****", "****@*****y.ca", "(***) ***-0199"]
    assert mask_values(values, "first", 3).tolist() == [
        "+19*********", "B3H ***", None, "123*", "inf*@******.**", "(90*) ***-****"]
    assert mask_values(values, "last", 0).tolist()[:2] == ["************", "*** ***"]


def test_every_golden_column_is_shared_with_withheld_ones_null():
    actual = share("permits")
    assert list(actual.columns) == ["registry_id", "status", "retired_into", *GOLDEN_COLUMNS]
    assert actual["owner_name"].isna().all() and actual["employee_band"].isna().all()
