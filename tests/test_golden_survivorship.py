"""Survivorship: each rule decides as configured, the deciding rule and provenance are kept."""

import time

import numpy as np
import pandas as pd
import pytest
from test_golden_helpers import bakery, canonical, fake_link, invalid_bn, valid_bn

from matching.golden.publish import _ensure_standardised
from matching.golden.settings import (
    SurvivorshipError,
    SurvivorshipSettings,
    load_survivorship,
)
from matching.golden.survivorship import survive
from matching.golden.values import multi_values


def golden_of(rows, settings=None):
    records = _ensure_standardised(canonical(rows))
    link = fake_link(records, [list(records["record_key"])])
    result = survive(records, link.clusters, settings or load_survivorship())
    assert len(result.golden) == 1
    golden = result.golden.iloc[0]
    provenance = result.provenance.set_index("field")
    return golden, provenance


def test_trust_ranking_picks_each_fields_source():
    golden, prov = golden_of(bakery())
    assert golden["legal_name"] == "Boulangerie Côté Limited"  # rjsc wins the legal name
    assert prov.loc["legal_name", "source"] == "rjsc"
    assert prov.loc["legal_name", "rule"] == "trust"
    assert golden["operating_name"] == "COTE BAKERY"  # wcb wins the operating name
    assert prov.loc["operating_name", ["source", "source_record_id", "rule"]].tolist() == [
        "wcb", "W1", "trust"]
    assert golden["phone"] == "+19025550101"  # wcb's phone, standardised
    assert prov.loc["phone", "source"] == "wcb"


def test_business_number_from_revenue_and_consensus_when_all_agree():
    golden, prov = golden_of(bakery())
    assert golden["business_number"] == valid_bn("12345671")
    assert prov.loc["business_number", "source"] == "revenue"
    assert prov.loc["business_number", "rule"] == "consensus"


def test_invalid_bn_never_wins_even_from_the_most_trusted_source():
    rows = bakery()
    rows[2]["business_number"] = invalid_bn("99999999") + "RT0001"  # revenue, mistyped
    golden, prov = golden_of(rows)
    assert golden["business_number"] == valid_bn("12345671")
    assert prov.loc["business_number", "source"] == "rjsc"
    alone = [{"source": "revenue", "source_record_id": "X", "legal_name": "Solo Ltd",
              "business_number": invalid_bn("11111111")}]
    golden, prov = golden_of(alone)
    assert pd.isna(golden["business_number"]) and "business_number" not in prov.index


def test_valid_rule_records_that_validity_decided():
    settings = load_survivorship()
    settings.fields["business_number"].require_valid = False
    rows = bakery()
    rows[2]["business_number"] = invalid_bn("99999999")
    golden, prov = golden_of(rows, settings)
    assert golden["business_number"] == valid_bn("12345671")
    assert prov.loc["business_number", "rule"] == "valid"


def test_oldest_registration_date_and_only_candidate():
    golden, prov = golden_of(bakery())
    assert golden["registration_date"] == "2001-05-04"  # rjsc's, the earliest
    assert prov.loc["registration_date", ["source", "rule"]].tolist() == ["rjsc", "oldest"]
    assert prov.loc["naics_code", "rule"] == "only_candidate"


def test_newest_wins_among_equally_trusted_sources():
    rows = [
        {"source": "wcb", "source_record_id": "A", "legal_name": "X", "status": "active",
         "registration_date": "2001-01-01"},
        {"source": "wcb", "source_record_id": "B", "legal_name": "X", "status": "closed",
         "registration_date": "2020-01-01"},
    ]
    golden, prov = golden_of(rows)
    assert golden["business_status"] == "closed"
    assert prov.loc["business_status", ["source_record_id", "rule"]].tolist() == ["B", "newest"]


def test_completeness_and_tiebreak():
    settings = SurvivorshipSettings.model_validate({"fields": {
        "address": {"columns": ["address_line", "city", "postal_code"],
                    "required": "address_line", "rules": ["complete"]},
        "legal_name": {"rules": ["trust"], "trust": ["rjsc"]},
    }})
    rows = [
        {"source": "wcb", "source_record_id": "A", "legal_name": "Alpha",
         "address_line": "1 Long Street", "city": "Truro"},
        {"source": "wcb", "source_record_id": "B", "legal_name": "Beta",
         "address_line": "1 Long St", "city": "Truro", "postal_code": "B2N 1A1"},
    ]
    golden, prov = golden_of(rows, settings)
    assert golden["postal_code"] == "B2N 1A1"
    assert prov.loc["address_line", ["source_record_id", "rule"]].tolist() == ["B", "complete"]
    assert golden["legal_name"] == "Alpha"  # tied on trust: smallest source_record_id
    assert prov.loc["legal_name", "rule"] == "tiebreak"


def test_address_survives_as_one_unit():
    golden, prov = golden_of(bakery())
    # rjsc's registered office has no postal code: revenue's postal code is not mixed in
    assert golden["address_line"] == "12 Main Street" and pd.isna(golden["postal_code"])
    assert set(prov.loc[["address_line", "city", "province", "address_type"], "source"]) == {
        "rjsc"}


def test_provenance_one_row_per_filled_field():
    records = _ensure_standardised(canonical(bakery(1) + bakery(2)))
    keys = list(records["record_key"])
    link = fake_link(records, [keys[:4], keys[4:]])
    result = survive(records, link.clusters, load_survivorship())
    prov = result.provenance
    assert not prov.duplicated(["cluster_id", "field"]).any()
    filled = result.golden.drop(columns="cluster_id").notna().sum().sum()
    assert len(prov) == filled
    assert set(prov["rule"]) <= {"trust", "valid", "newest", "oldest", "complete",
                                 "only_candidate", "consensus", "tiebreak"}


def test_multi_values_keep_every_name_account_and_address():
    records = _ensure_standardised(canonical(bakery()))
    link = fake_link(records, [list(records["record_key"])])
    values = multi_values(records, link.clusters)
    names = values[values["kind"] == "operating_name"]
    assert set(names["value"]) == {"Côté Bakery", "Pain Côté", "COTE BAKERY"}
    assert set(names[names["source"] == "rjsc"]["value"]) == {"Côté Bakery", "Pain Côté"}
    accounts = values[values["kind"] == "program_account"]
    assert accounts["value"].tolist() == [valid_bn("12345671") + "RT0001"]
    addresses = values[values["kind"] == "address"]
    assert set(addresses["detail"]) == {"registered_office", "mailing", "site"}
    assert len(addresses) == 4


def test_settings_errors_name_file_key_and_allowed_values(tmp_path):
    path = tmp_path / "survivorship.yaml"
    path.write_text("fields:\n  legal_name:\n    rules: [trust, loudest]\n"
                    "    trust: [rjsc]\n", encoding="utf-8")
    with pytest.raises(SurvivorshipError) as error:
        load_survivorship(path)
    message = str(error.value)
    assert str(path) in message and "fields.legal_name.rules.1" in message
    assert "trust, valid, newest, oldest, complete" in message
    path.write_text("fields:\n  nickname:\n    rules: [trust]\n    trust: [rjsc]\n",
                    encoding="utf-8")
    with pytest.raises(SurvivorshipError, match="'nickname' is not a canonical field"):
        load_survivorship(path)
    path.write_text("fields:\n  legal_name:\n    rules: [trust]\n    trusted: [rjsc]\n",
                    encoding="utf-8")
    with pytest.raises(SurvivorshipError, match="fields.legal_name.trusted': unknown key"):
        load_survivorship(path)


def test_survivorship_is_vectorised_at_scale():
    """200k records in 100k businesses survive in a few seconds (2.5M: see docs)."""
    n = 200_000
    rng = np.random.default_rng(0)
    sources = np.array(["rjsc", "wcb", "revenue", "permits"])[rng.integers(0, 4, n)]
    records = pd.DataFrame({
        "record_key": [f"k{i}" for i in range(n)], "source": sources,
        "source_record_id": [f"{i}" for i in range(n)],
        "legal_name": pd.Series([f"Business {i // 2}" for i in range(n)], dtype="string"),
        "operating_name": pd.Series([f"Shop {i % 997}" for i in range(n)], dtype="string"),
        "registration_date": pd.to_datetime(rng.integers(0, 10_000, n), unit="D"),
        "status_date": pd.NaT, "address_line": "1 Main St", "city": "Halifax",
        "bn_root": pd.Series([f"{i // 2:09d}" for i in range(n)], dtype="string"),
        "bn_valid": pd.Series(rng.random(n) > 0.1, dtype="boolean"),
    })
    clusters = pd.DataFrame({"record_key": records["record_key"],
                             "cluster_id": [f"c{i // 2:07d}" for i in range(n)]})
    start = time.perf_counter()
    result = survive(records, clusters, load_survivorship())
    elapsed = time.perf_counter() - start
    assert len(result.golden) == n // 2
    assert elapsed < 15, f"survivorship took {elapsed:.1f}s for {n} records"
