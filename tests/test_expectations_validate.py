"""End-to-end validation of one crafted batch: one GX run for the whole module (GX is slow).

Each row of the batch exercises one expectation (or several at once); the tests read the
one outcome. Duplicate source_record_id: every row sharing the id is quarantined, because
which one is right cannot be told and keeping "the first" would depend on file order.
"""

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from canonical.quarantine import QUARANTINE_COLUMNS
from canonical.schema import CANONICAL_COLUMNS, conform
from expectations.gx_runner import run_suite
from expectations.settings import load_expectation_settings
from expectations.synthetic import synthetic_config
from expectations.validate import ValidationOutcome, prepare_batch, validate_source

TODAY = date(2025, 6, 1)
SIN_FORMS = ("046 454 286", "046-454-286", "046454286", "123 456 782", "123456782")
PERSONAL_NAME = "Marie-Josée Personnelle"

BASE = {
    "source": "demo", "source_file": "demo.csv", "record_hash": "0" * 64,
    "business_type": "corporation", "legal_name": "Bluenose Fisheries Limited",
    "legal_form": "Limited", "business_number": "123026635", "status": "active",
    "registration_date": "2001-02-03", "status_date": "2010-01-01",
    "address_type": "registered_office", "address_line": "1 Water Street", "city": "Halifax",
    "province": "NS", "postal_code": "B3H 1A1", "phone": "902-424-5000",
    "email": "info@bluenose.ca", "naics_code": "311811", "employee_band": "5-9",
}

# id -> overrides of BASE
CASES: dict[str, dict] = {
    "ok": {},
    "fr_elegantes": {"legal_name": "Les Entreprises Élégantes Ltée", "legal_form": "Ltée",
                     "city": "Chéticamp", "email": "info@élégantes.ca"},
    "fr_boulangerie": {"legal_name": "Boulangerie Chéticamp S.E.N.C.", "legal_form": "S.E.N.C.",
                       "business_type": "partnership"},
    "old_nf": {"province": "NF", "postal_code": "A1C 5M2"},
    "old_pq": {"province": "PQ", "postal_code": "H2X 1Y4"},
    "name_fr": {"province": "Nouvelle-Écosse"},
    "bn15": {"business_number": "123026635RC0001", "program_accounts": "RC0001;RT0001"},
    "bn15_spaced": {"business_number": "12302 6635 RT 0001"},
    "bn_bad_check": {"business_number": "123456783"},
    "bn_bad_format": {"business_number": "12345"},
    "bn_unknown_program": {"business_number": "123026635XX0001"},
    "program_bad": {"program_accounts": "RT001"},
    "postal_bad": {"postal_code": "12345"},
    "postal_other_province": {"postal_code": "M5V 2T6"},
    "province_bad": {"province": "Atlantis"},
    "future_reg": {"registration_date": "2030-01-01", "status_date": None},
    "future_status": {"status_date": "2031-01-01"},
    "reg_after_status": {"registration_date": "2012-01-01", "status_date": "2011-01-01"},
    "phone_bad": {"phone": "555-0100"},
    "email_bad": {"email": "info at bluenose"},
    "type_bad": {"business_type": "corp"},
    "status_bad": {"status": "zombie"},
    "band_bad": {"employee_band": "lots"},
    "address_type_bad": {"address_type": "home"},
    "legal_form_bad": {"legal_form": "Gmbh"},
    "missing_name": {"legal_name": None},
    "multi": {"legal_name": None, "postal_code": "1234", "business_type": "corp",
              "owner_name": PERSONAL_NAME, "owner_postal_code": "B3H 1A1"},
    "personal_warning": {"owner_name": PERSONAL_NAME, "owner_postal_code": "nope"},
    "sin_permit": {"permit_number": "046 454 286"},
    "sin_name": {"operating_name": "Contact 046-454-286"},
    "sin_owner": {"owner_name": "Jean 123456782 Doucet"},
    "sin_and_bad": {"permit_number": "046454286", "postal_code": "999"},
    "bn_in_permit": {"business_number": "123026635RT0001", "permit_number": "123026635"},
}
QUARANTINED = {
    "bn_bad_format", "bn_unknown_program", "program_bad", "postal_bad", "postal_other_province",
    "province_bad", "future_reg", "future_status", "reg_after_status", "type_bad", "status_bad",
    "band_bad", "address_type_bad", "missing_name", "multi", "sin_and_bad", "dup",
}
FLAGGED = {
    "bn_bad_check": "business_number_check_digit", "phone_bad": "phone_valid",
    "email_bad": "email_syntax", "legal_form_bad": "legal_form_known",
    "personal_warning": "owner_postal_code_format", "sin_permit": "no_social_insurance_number",
    "sin_name": "no_social_insurance_number", "sin_owner": "no_social_insurance_number",
}


def crafted_frame() -> pd.DataFrame:
    rows = [{**BASE, **overrides, "source_record_id": name} for name, overrides in CASES.items()]
    rows += [{**BASE, "source_record_id": "dup"}, {**BASE, "source_record_id": "dup"}]
    frame = pd.DataFrame(rows)
    frame["source_line"] = np.arange(2, len(frame) + 2)
    return conform(frame)


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data_docs") / "run-1"


@pytest.fixture(scope="module")
def outcome(docs_dir: Path) -> ValidationOutcome:
    frame = crafted_frame()
    config = synthetic_config("demo")
    return validate_source(frame, config, raw_columns=[f.upper() for f in config.mapping.values()]
                           + ["ID"], data_docs_dir=docs_dir, today=TODAY)


def _ids(frame: pd.DataFrame) -> set[str]:
    return set(frame["source_record_id"])


def test_reconciliation(outcome: ValidationOutcome) -> None:
    assert outcome.rows_in == len(CASES) + 2
    assert outcome.reconciles
    assert len(outcome.accepted) + len(outcome.quarantine) == outcome.rows_in
    assert list(outcome.accepted.columns) == list(CANONICAL_COLUMNS)
    assert list(outcome.quarantine.columns) == list(QUARANTINE_COLUMNS)


def test_quarantined_and_accepted_rows(outcome: ValidationOutcome) -> None:
    assert sorted(outcome.quarantine["source_record_id"]) == sorted([*QUARANTINED, "dup"])
    assert _ids(outcome.accepted) == set(CASES) - QUARANTINED
    assert len(outcome.quarantine) == len(QUARANTINED) + 1
    assert set(outcome.quarantine["stage"]) == {"validate"}


def test_duplicate_ids_quarantine_every_copy(outcome: ValidationOutcome) -> None:
    dups = outcome.quarantine[outcome.quarantine["source_record_id"] == "dup"]
    assert len(dups) == 2
    assert all("source_record_id_unique" in r for r in dups["reason"])


def test_french_names_and_accents_pass(outcome: ValidationOutcome) -> None:
    accepted = outcome.accepted.set_index("source_record_id")
    assert accepted.loc["fr_elegantes", "legal_name"] == "Les Entreprises Élégantes Ltée"
    assert accepted.loc["fr_boulangerie", "legal_name"] == "Boulangerie Chéticamp S.E.N.C."
    flagged = set(outcome.flags["source_record_id"])
    assert {"fr_elegantes", "fr_boulangerie"}.isdisjoint(flagged)


def test_old_and_french_province_names_are_normalised(outcome: ValidationOutcome) -> None:
    accepted = outcome.accepted.set_index("source_record_id")
    assert accepted.loc["old_nf", "province"] == "NL"
    assert accepted.loc["old_pq", "province"] == "QC"
    assert accepted.loc["name_fr", "province"] == "NS"
    assert outcome.provinces_normalised >= 3


def test_business_numbers(outcome: ValidationOutcome) -> None:
    ids = _ids(outcome.accepted)
    assert {"ok", "bn15", "bn15_spaced", "bn_bad_check", "bn_in_permit"} <= ids
    reasons = outcome.quarantine.set_index("source_record_id")["reason"]
    assert "business_number_format" in reasons["bn_bad_format"]
    assert "business_number_program_account" in reasons["bn_unknown_program"]
    assert "program_accounts_format" in reasons["program_bad"]


def test_warnings_flag_but_pass(outcome: ValidationOutcome) -> None:
    flags = dict(zip(outcome.flags["source_record_id"], outcome.flags["expectations"],
                     strict=True))
    for record_id, expectation in FLAGGED.items():
        assert expectation in flags[record_id].split(";"), record_id
    assert set(flags) == set(FLAGGED)


@pytest.mark.parametrize(("record_id", "expectation", "column"), [
    ("postal_bad", "postal_code_format", "postal_code"),
    ("postal_other_province", "postal_code_matches_province", "postal_code,province"),
    ("province_bad", "province_valid", "province"),
    ("future_reg", "registration_date_not_future", "registration_date"),
    ("future_status", "status_date_not_future", "status_date"),
    ("reg_after_status", "registration_not_after_status_date", "registration_date,status_date"),
    ("type_bad", "business_type_known", "business_type"),
    ("status_bad", "status_known", "status"),
    ("band_bad", "employee_band_known", "employee_band"),
    ("address_type_bad", "address_type_known", "address_type"),
    ("missing_name", "legal_name_present", "legal_name"),
])
def test_each_blocking_expectation(outcome: ValidationOutcome, record_id: str,
                                   expectation: str, column: str) -> None:
    row = outcome.quarantine.set_index("source_record_id").loc[record_id]
    assert expectation in row["reason"]
    assert row["column"] == column
    assert row["reason"].startswith("failed 1 blocking expectation:")


def test_one_row_lists_every_failed_expectation(outcome: ValidationOutcome) -> None:
    row = outcome.quarantine.set_index("source_record_id").loc["multi"]
    for name in ("legal_name_present", "postal_code_format", "business_type_known"):
        assert name in row["reason"]
    assert row["reason"].startswith("failed 3 blocking expectations:")
    assert row["column"] == "legal_name,postal_code,business_type"
    assert row["source_line"] == list(CASES).index("multi") + 2


def test_no_personal_values_in_reasons_results_or_summary(
    outcome: ValidationOutcome, docs_dir: Path
) -> None:
    docs = [p.read_text("utf-8", errors="ignore") for p in docs_dir.rglob("*.html")]
    visible = " ".join([*docs,
        " ".join(outcome.quarantine["reason"]), " ".join(outcome.quarantine["column"]),
        json.dumps(outcome.expectation_results, default=str), outcome.summary_text,
        " ".join(outcome.batch_failures), outcome.flags.to_csv(),
    ])
    assert PERSONAL_NAME not in visible
    assert "nope" not in visible
    owner = next(r for r in outcome.expectation_results if r["name"] == "owner_postal_code_format")
    assert owner["unexpected_count"] == 1 and owner["sample_values"] == []


def test_sins_removed_and_never_shown(outcome: ValidationOutcome, docs_dir: Path) -> None:
    assert outcome.sin_removed == 4
    accepted = outcome.accepted.set_index("source_record_id")
    assert pd.isna(accepted.loc["sin_permit", "permit_number"])
    assert pd.isna(accepted.loc["sin_owner", "owner_name"])
    assert accepted.loc["bn_in_permit", "permit_number"] == "123026635"  # its own BN root
    texts = [
        outcome.accepted.drop(index=accepted.index.get_loc("bn_in_permit")).to_csv(),
        outcome.quarantine.to_csv(), outcome.flags.to_csv(),
        json.dumps(outcome.expectation_results, default=str), outcome.summary_text,
        " ".join(outcome.batch_failures),
    ]
    texts += [p.read_text("utf-8", errors="ignore") for p in docs_dir.rglob("*.html")]
    for text in texts:
        for form in SIN_FORMS:
            assert form not in text.replace("123026635", "")


def test_expectation_results_agree_with_gx(outcome: ValidationOutcome) -> None:
    results = {r["name"]: r for r in outcome.expectation_results}
    assert all(r["agrees_with_gx"] for r in results.values())
    assert results["postal_code_format"]["unexpected_count"] == 3
    assert results["postal_code_format"]["sample_values"] == ["12345", "1234", "999"]
    assert results["business_number_check_digit"]["severity"] == "warning"
    assert results["no_social_insurance_number"]["sample_values"] == []
    assert {"name", "column", "severity", "success", "unexpected_count", "unexpected_percent",
            "sample_values"} <= set(results["phone_valid"])


def test_gx_index_lists_equal_predicates() -> None:
    """With COMPLETE results GX names the same failing rows as the vectorised predicates."""
    rules = load_expectation_settings().for_source("demo")
    prepared = prepare_batch(crafted_frame(), rules, TODAY)
    run = run_suite(prepared.batch, prepared.checks, source_id="demo",
                    result_format={"result_format": "COMPLETE"})
    for check in prepared.checks:
        gx_rows = sorted(run.results[check.name].get("unexpected_index_list") or [])
        assert gx_rows == np.flatnonzero(prepared.fails[check.name]).tolist(), check.name


def test_batch_passes_and_data_docs_written(outcome: ValidationOutcome, docs_dir: Path) -> None:
    # 18 of 35 rows are quarantined: well above 5%, so the batch fails on the threshold.
    assert not outcome.batch_passed
    assert len(outcome.batch_failures) == 1
    assert outcome.data_docs_path == docs_dir / "demo" / "index.html"
    assert outcome.data_docs_path.is_file()
    assert list((docs_dir / "demo" / "validations").rglob("*.html"))
    assert "demo" in outcome.summary_text and "quarantined" in outcome.summary_text


def test_no_email_reaches_the_data_docs(outcome: ValidationOutcome, docs_dir: Path) -> None:
    """An e-mail may be a sole proprietor's: GX sees only whether it is valid, so its Data
    Docs (which quote unexpected values) hold none, the invalid one included."""
    assert outcome.flags.shape[0] > 0
    pages = [p.read_text(encoding="utf-8", errors="replace") for p in docs_dir.rglob("*")
             if p.is_file() and p.suffix in (".html", ".json")]
    assert pages, "the run wrote Data Docs"
    for value in ("info at bluenose", "info@bluenose.ca", "info@élégantes.ca"):
        assert not any(value in page for page in pages), "an e-mail is in the Data Docs"
