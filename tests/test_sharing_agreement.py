"""Data-sharing agreements load from YAML; every mistake names the file, agreement and key."""

import hashlib
from pathlib import Path

import pytest

from canonical.paths import DEFAULT_SOURCES_CONFIG
from registry.sharing_agreement import (
    DEFAULT_SHARING_CONFIG,
    ConfigError,
    FieldRule,
    Treatment,
    load_sharing,
    sharing_hash,
)
from sources.config import load_sources

GOOD = """version: 1
agreements:
  - id: wcb
    ministry: Workers' Compensation Board
    purpose: verify employer accounts
    sources: [wcb]
    personal_information: withheld
    secret_env: UBR_SHARING_SECRET_WCB
    fields:
      legal_name: clear
      business_number: pseudonym
      phone: {treatment: masked, keep_last: 4}
"""
SECOND = """  - id: permits
    ministry: Permits
    purpose: check permit holders
    sources: [permits]
    personal_information: excluded
    fields: {legal_name: clear}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sharing.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_sharing(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ")
    return message


def test_shipped_agreements_cover_every_treatment_and_mode():
    sharing = load_sharing()
    assert [a.id for a in sharing.agreements] == ["rjsc", "wcb", "revenue", "permits"]
    assert sharing.keep_publications == 3
    assert {a.personal_information for a in sharing.agreements} == {
        "allowed", "withheld", "excluded"}
    used = {rule.treatment for a in sharing.agreements for rule in a.fields.values()}
    assert used == set(Treatment)
    source_ids = {s.id for s in load_sources(DEFAULT_SOURCES_CONFIG).sources}
    for agreement in sharing.agreements:
        assert agreement.sources == [agreement.id] and agreement.id in source_ids
        if agreement.fields_with(Treatment.PSEUDONYM):
            assert agreement.secret_env == f"UBR_SHARING_SECRET_{agreement.id.upper()}"
    wcb = sharing.get("wcb")
    assert wcb.treatment("business_number") is Treatment.PSEUDONYM
    assert wcb.treatment("phone") is Treatment.CLEAR
    assert wcb.treatment("owner_name") is Treatment.WITHHELD
    revenue = sharing.get("revenue")
    assert revenue.treatment("business_number") is Treatment.CLEAR
    assert revenue.treatment("owner_address_line") is Treatment.CLEAR
    assert revenue.secret_env is None
    permits = sharing.get("permits")
    assert dict(permits.rows.items()) == {"status": ["active"], "business_status": ["active"]}
    assert permits.personal_information == "excluded"
    assert permits.fields["phone"].kept == ("last", 4)
    assert permits.fields["email"].kept == ("first", 2)
    assert sharing.get("rjsc").fields["owner_postal_code"].kept == ("first", 3)


def test_names_columns_schema_and_role(tmp_path):
    extra = "    schema: permis\n    role: permis_r\n"
    sharing = load_sharing(write(tmp_path, GOOD + SECOND + extra))
    wcb, permits = sharing.agreements
    assert wcb.schema_name() == "ubr_share_wcb" and wcb.role_name() == "ubr_wcb"
    assert permits.schema_name() == "permis" and permits.role_name() == "permis_r"
    assert wcb.visible_columns() == [
        "registry_id", "status", "retired_into", "legal_name", "business_number", "phone"]
    assert wcb.treatment("email") is Treatment.WITHHELD  # not listed
    assert wcb.rows.describe() == "all rows"


def test_default_path_comes_from_the_environment(tmp_path, monkeypatch):
    path = write(tmp_path, GOOD)
    monkeypatch.setenv("UBR_SHARING_CONFIG", str(path))
    assert load_sharing().agreements[0].purpose == "verify employer accounts"
    assert sharing_hash() == hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.delenv("UBR_SHARING_CONFIG")
    assert sharing_hash() == hashlib.sha256(DEFAULT_SHARING_CONFIG.read_bytes()).hexdigest()


def test_get_an_unknown_ministry_names_the_known_ones(tmp_path):
    sharing = load_sharing(write(tmp_path, GOOD + SECOND))
    with pytest.raises(ConfigError, match="ministry 'fisheries'; agreements: wcb, permits"):
        sharing.get("fisheries")


def test_unknown_field_lists_the_golden_fields(tmp_path):
    message = load_error(tmp_path, GOOD.replace("legal_name: clear", "company_name: clear"))
    assert "agreement 1 (id 'wcb'), key 'fields': unknown golden field(s) ['company_name']" \
        in message
    assert "allowed: legal_name, operating_name" in message and "owner_postal_code" in message


def test_personal_field_needs_personal_information_allowed(tmp_path):
    message = load_error(tmp_path, GOOD.replace("legal_name: clear", "owner_name: masked"))
    assert "agreement 1 (id 'wcb'), key 'fields': personal field(s) ['owner_name']" in message
    assert "personal_information: allowed, not 'withheld'" in message
    # Listed as withheld it is fine, and with `allowed` it may be shared.
    load_sharing(write(tmp_path, GOOD.replace("legal_name: clear", "owner_name: withheld")))
    allowed = GOOD.replace("legal_name: clear", "owner_name: masked").replace(
        "personal_information: withheld", "personal_information: allowed")
    assert load_sharing(write(tmp_path, allowed)).agreements[0].treatment("owner_name") == "masked"


def test_pseudonym_needs_a_secret_variable(tmp_path):
    message = load_error(tmp_path, GOOD.replace("    secret_env: UBR_SHARING_SECRET_WCB\n", ""))
    assert "agreement 1 (id 'wcb'), key 'secret_env' is required" in message
    assert "['business_number']" in message


def test_duplicate_ids_and_shared_secrets_are_refused(tmp_path):
    message = load_error(tmp_path, GOOD + GOOD.split("agreements:\n")[1])
    assert "key 'agreements': each agreement needs its own id" in message
    assert "agreements 1 and 2 both use 'wcb'" in message
    shared = SECOND.replace("fields: {legal_name: clear}", "fields: {email: pseudonym}") + \
        "    secret_env: UBR_SHARING_SECRET_WCB\n"
    message = load_error(tmp_path, GOOD + shared)
    assert "each agreement needs its own secret_env" in message and "could join" in message


def test_bad_treatment_lists_the_allowed_ones(tmp_path):
    message = load_error(tmp_path, GOOD.replace("legal_name: clear", "legal_name: hidden"))
    assert "agreement 1 (id 'wcb'), key 'fields.legal_name.treatment'" in message
    assert "'clear', 'masked', 'pseudonym' or 'withheld' (got 'hidden')" in message


def test_extra_keys_are_refused_with_the_allowed_keys(tmp_path):
    message = load_error(tmp_path, GOOD + SECOND + "    colour: blue\n")
    assert "agreement 2 (id 'permits'), key 'colour': unknown key (allowed: id, ministry" \
        in message
    message = load_error(tmp_path, GOOD.replace("keep_last: 4", "keep_lst: 4"))
    assert "key 'fields.phone.keep_lst': unknown key (allowed: treatment, keep_last, keep_first)" \
        in message
    message = load_error(tmp_path, GOOD + "owner: me\n")
    assert "key 'owner': unknown key (allowed: version, keep_publications, agreements)" in message


def test_row_filters_are_checked(tmp_path):
    message = load_error(tmp_path, GOOD + "    rows: {owner_city: [Halifax], colour: [red]}\n")
    assert "agreement 1 (id 'wcb'), key 'rows': unknown row filter key(s)" in message
    assert "['owner_city', 'colour'] (personal fields cannot filter rows)" in message
    message = load_error(tmp_path, GOOD + "    rows: {status: [gone]}\n")
    assert "'status' value(s) ['gone'] not allowed; allowed: active, retired" in message
    message = load_error(tmp_path, GOOD + "    rows: {business_type: [llc]}\n")
    assert "allowed: corporation, society" in message
    message = load_error(tmp_path, GOOD + "    rows: {status: []}\n")
    assert "key 'rows.status': List should have at least 1 item" in message


def test_other_values_are_checked(tmp_path):
    cases = {
        "keep_last: 4": ("keep_last: 4, keep_first: 3", "key 'fields.phone': give one of"),
        "legal_name: clear": ("legal_name: {treatment: clear, keep_last: 2}",
                              "'keep_last' applies only to treatment 'masked'"),
        "sources: [wcb]": ("sources: []", "key 'sources': List should have at least 1 item"),
        "purpose: verify employer accounts": ("purpose: ' '", "key 'purpose': say why"),
        "version: 1": ("version: 1\nkeep_publications: 0", "key 'keep_publications': Input "
                       "should be greater than or equal to 1"),
        "personal_information: withheld": ("personal_information: maybe",
                                           "'allowed', 'withheld' or 'excluded' (got 'maybe')"),
        "id: wcb": ("id: WCB-1", "key 'id': String should match pattern"),
    }
    for old, (new, expected) in cases.items():
        assert expected in load_error(tmp_path, GOOD.replace(old, new)), new


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nowhere.yaml: configuration file not found"):
        load_sharing(tmp_path / "nowhere.yaml")


def test_field_rule_shorthand_and_default_mask():
    assert FieldRule.model_validate("masked").kept == ("last", 4)
    assert FieldRule.model_validate({"treatment": "masked", "keep_first": 3}).kept == ("first", 3)
