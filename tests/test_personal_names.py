"""One rule for when a business's names are a person's, used by shares, audits and lineage."""

import pandas as pd
import pytest

from registry.personal_names import name_may_be_personal, names_may_be_personal
from registry.sharing_agreement import load_sharing
from registry.sharing_audit import share_violations
from registry.sharing_policy import SHARED_COLUMNS, shared_rows


@pytest.mark.parametrize(("business_type", "legal_form", "personal"), [
    ("sole_proprietorship", None, True),
    ("partnership", "senc", True),
    ("corporation", None, False),
    ("society", None, False),
    (None, None, True),  # known only to registers that do not say: assume a person
    (None, "limited", False),  # a corporate legal form: not a person's name
    (None, "incorporated", False),
    (None, "llp", True),  # a partnership form: partners may be named
])
def test_names_may_be_personal(business_type, legal_form, personal):
    assert name_may_be_personal(business_type, legal_form) is personal


def test_vectorised_rule_keeps_the_index():
    types = pd.Series(["corporation", None, None], index=[7, 8, 9], dtype="string")
    forms = pd.Series([None, "limited", None], index=[7, 8, 9], dtype="string")
    assert names_may_be_personal(types, forms).to_dict() == {7: False, 8: False, 9: True}


def test_shares_withhold_or_exclude_names_of_untyped_businesses_without_a_corporate_form():
    published = pd.DataFrame([
        {"registry_id": "UBR-A", "status": "active", "legal_name": "Granite Plumbing Limited",
         "legal_form": "limited", "business_status": "active"},
        {"registry_id": "UBR-B", "status": "active", "legal_name": "Marie Leblanc",
         "business_status": "active"},
    ]).reindex(columns=list(SHARED_COLUMNS))
    sharing = load_sharing()
    wcb = shared_rows(published, sharing.get("wcb"), b"k").set_index("registry_id")
    assert wcb.at["UBR-A", "legal_name"] == "Granite Plumbing Limited"
    assert wcb.at["UBR-B", "legal_name"] is None  # personal_information: withheld
    permits = shared_rows(published, sharing.get("permits"), b"k")
    assert list(permits["registry_id"]) == ["UBR-A"]  # personal_information: excluded
    for agreement in ("wcb", "permits"):
        share = shared_rows(published, sharing.get(agreement), b"k")
        assert not any(share_violations(published, share, sharing.get(agreement)).values())
