"""Unit tests of the pure parts of validation (no GX): SINs, provinces, phones, BNs, settings."""

import random
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from stdnum.ca import bn as stdnum_bn

from canonical.schema import conform
from expectations.catalogue import EXPECTATION_NAMES, build_checks
from expectations.phones import phone_valid, phonenumbers_valid
from expectations.reference import letters_key
from expectations.rules import failures, helper_columns, normalise_provinces
from expectations.settings import load_expectation_settings
from expectations.sin import scan_and_remove
from expectations.synthetic import synthetic_canonical_frame
from sources.config import ConfigError

SIN = "046454286"  # valid SIN (stdnum's own example)


def _frame(rows: list[dict]) -> pd.DataFrame:
    return conform(pd.DataFrame(rows))


def test_sin_found_in_any_string_field_and_removed() -> None:
    frame = _frame([
        {"source_record_id": "a", "permit_number": "046 454 286"},
        {"source_record_id": "b", "operating_name": "Contact 046-454-286 now"},
        {"source_record_id": "c", "owner_name": f"Jean {SIN} Doucet"},
        {"source_record_id": "d", "address_line": "123 Main Street", "phone": "902-424-5000"},
    ])
    scan = scan_and_remove(frame)
    assert scan.removed == 3
    assert scan.row_flags.tolist() == [True, True, True, False]
    assert list(scan.fields_by_row) == ["permit_number", "operating_name", "owner_name", ""]
    text = scan.cleaned.to_csv()
    assert "454" not in text.replace("902-424-5000", "")
    assert scan.cleaned.loc[3, "phone"] == "902-424-5000"


def test_business_number_is_never_taken_for_a_sin() -> None:
    frame = _frame([
        # BN root 046454286 is SIN-shaped and Luhn-valid; in business_number it is a BN.
        {"source_record_id": "a", "business_number": f"{SIN}RT0001"},
        # The record's own BN root repeated in another field is not a SIN either.
        {"source_record_id": "b", "business_number": SIN, "permit_number": SIN},
        # ...but a different SIN-valid number in that field is.
        {"source_record_id": "c", "business_number": "123026635", "permit_number": SIN},
    ])
    scan = scan_and_remove(frame)
    assert scan.row_flags.tolist() == [False, False, True]
    assert scan.cleaned.loc[0, "business_number"] == f"{SIN}RT0001"


def test_numbers_that_are_not_sins_are_kept() -> None:
    frame = _frame([
        {"source_record_id": "a", "permit_number": "046454287"},  # bad check digit
        {"source_record_id": "b", "permit_number": "1046454286"},  # 10 digits
        {"source_record_id": "c", "phone": "+1 902 424 5000"},
        {"source_record_id": "d", "permit_number": "846454286"},  # SINs never start with 8
    ])
    scan = scan_and_remove(frame)
    assert scan.removed == 0


def test_sin_exempt_fields() -> None:
    frame = _frame([{"source_record_id": "a", "permit_number": SIN}])
    assert scan_and_remove(frame, ["permit_number"]).removed == 0


@pytest.mark.parametrize(("given", "expected"), [
    ("NF", "NL"), ("PQ", "QC"), ("Nouvelle-Écosse", "NS"), ("Nova Scotia", "NS"),
    ("Québec", "QC"), ("Terre-Neuve-et-Labrador", "NL"), ("Île-du-Prince-Édouard", "PE"),
    ("N.S.", "NS"), ("ns", "NS"), ("Colombie-Britannique", "BC"), ("Atlantis", "Atlantis"),
])
def test_province_normalisation(given: str, expected: str) -> None:
    out, changed = normalise_provinces(pd.Series([given, None], dtype="string"))
    assert out.iloc[0] == expected
    assert pd.isna(out.iloc[1])
    assert changed == (given != expected)


def test_phone_fast_path_agrees_with_phonenumbers() -> None:
    rng = random.Random(7)
    layouts = ["{a}-{b}-{c}", "({a}) {b}-{c}", "+1 {a} {b} {c}", "1-{a}-{b}-{c}", "{a}.{b}.{c}",
               "{a}{b}{c}", "{a}-{b}-{c} ext 12", "+33 1 {b} {c}", "555-0100", "phone"]
    values = []
    for _ in range(3000):
        d = "".join(rng.choice("0123456789") for _ in range(10))
        values.append(rng.choice(layouts).format(a=d[:3], b=d[3:6], c=d[6:]))
    values += ["902-424-5000", "(902) 424-5000", "1-800-668-6868"]
    fast = phone_valid(pd.Series(values, dtype="string")).tolist()
    assert fast == [phonenumbers_valid(v) for v in values]
    assert fast[-3:] == [True, True, True]


def test_bn_check_digit_agrees_with_stdnum_ca_bn() -> None:
    frame = synthetic_canonical_frame(300, seed=3)
    roots = [f"{n:09d}" for n in random.Random(1).sample(range(10**8, 10**9), 300)]
    frame["business_number"] = pd.array(roots, dtype="string")
    rules = load_expectation_settings().for_source("demo")
    checks = [c for c in build_checks(rules) if c.name == "business_number_check_digit"]
    ok = helper_columns(frame, checks, rules, date(2026, 1, 1))[checks[0].gx_column]
    assert ok.tolist() == [stdnum_bn.is_valid(r) for r in roots]


def test_legal_form_keys_cover_french_forms() -> None:
    rules = load_expectation_settings().for_source("demo")
    known = {letters_key(f) for f in rules.legal_forms}
    for form in ["Ltée", "LTEE", "S.E.N.C.", "senc", "Limitée", "S.E.N.C.R.L.", "Cie", "Inc."]:
        assert letters_key(form) in known


def test_predicates_null_semantics_match_gx() -> None:
    """Nulls pass every kind but NOT_NULL (as GX column-map expectations do)."""
    rules = load_expectation_settings().for_source("demo")
    frame = _frame([{"source": "demo", "source_record_id": "a", "legal_name": "X Ltd."}])
    checks = build_checks(rules)
    batch = pd.DataFrame({c.gx_column: frame[c.gx_column] for c in checks
                          if not c.gx_column.startswith("_")})
    for name, column in helper_columns(frame, checks, rules, date(2026, 1, 1)).items():
        batch[name] = column
    batch["_ok_no_social_insurance_number"] = True
    failed = [name for name, fail in failures(batch, checks).items() if fail.any()]
    assert failed == []


def test_settings_per_source_override_and_merge() -> None:
    settings = load_expectation_settings()
    revenue = settings.for_source("revenue")
    assert "business_number" in revenue.required and "legal_name" in revenue.required
    assert revenue.max_invalid_share == 0.02
    assert settings.for_source("unknown_source") == settings.defaults
    assert settings.for_source("rjsc").required[-2:] == ["business_type", "registration_date"]


def test_settings_errors_name_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "expectations.yaml"
    path.write_text("version: 1\ndefaults:\n  max_invalid_share: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"expectations.yaml.*defaults.max_invalid_share"):
        load_expectation_settings(path)
    path.write_text("sources:\n  revenue:\n    colour: red\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources.revenue.colour.*unknown key"):
        load_expectation_settings(path)
    path.write_text("sources:\n  revenue:\n    severity: {phone_vaild: blocking}\n")
    with pytest.raises(ConfigError, match=r"sources.revenue.severity.*phone_vaild"):
        load_expectation_settings(path)
    path.write_text("defaults:\n  severity: {phone_valid: fatal}\n")
    with pytest.raises(ConfigError, match=r"defaults.severity.phone_valid"):
        load_expectation_settings(path)


def test_every_catalogue_name_is_documented() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "validation.md").read_text("utf-8")
    for name in EXPECTATION_NAMES:
        if not name.endswith("_present"):
            assert f"`{name}`" in doc, name


def test_required_personal_field_reaches_gx_only_as_a_helper() -> None:
    settings = load_expectation_settings()
    rules = settings.for_source("demo").model_copy(update={"required": ["owner_name"]})
    [check] = [c for c in build_checks(rules) if c.name == "owner_name_present"]
    assert check.gx_column == "_ok_owner_name_present"
    frame = _frame([{"source_record_id": "a", "owner_name": "Jean"}, {"source_record_id": "b"}])
    helpers = helper_columns(frame, [check], rules, date(2026, 1, 1))
    assert helpers[check.gx_column].tolist() == [True, False]
