"""The catalogue of row expectations: one declarative `Check` per rule, built from settings.

A check says which GX expectation kind runs on which column of the batch frame; the same
declaration drives the vectorised predicate (rules.py) and the GX suite (suites.py), so the
two cannot drift apart. Severities come from here unless config/expectations.yaml overrides.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from canonical.schema import BUSINESS_TYPES, CANONICAL_COLUMNS, PERSONAL_FIELDS
from expectations import reference as ref
from expectations.severity import Severity

if TYPE_CHECKING:  # settings validate severities against this catalogue's names
    from expectations.settings import SourceRules


class Kind(StrEnum):
    """GX expectation kinds used; anything else is a boolean helper column (TRUE)."""

    NOT_NULL = "expect_column_values_to_not_be_null"
    UNIQUE = "expect_column_values_to_be_unique"
    REGEX = "expect_column_values_to_match_regex"
    IN_SET = "expect_column_values_to_be_in_set"
    TRUE = "expect_column_values_to_be_in_set[True]"  # helper column must be True


@dataclass(frozen=True)
class Check:
    """One row expectation: what GX runs, what a failure means, how severe it is."""

    name: str
    kind: Kind
    gx_column: str  # column of the batch frame (canonical, or a derived helper)
    columns: tuple[str, ...]  # canonical column(s) a failure points at
    severity: Severity
    reason: str  # a sentence with no values in it
    regex: str | None = None
    value_set: tuple[str, ...] | None = None
    sample_column: str | None = None  # canonical column whose failing values may be sampled


_B, _W = Severity.BLOCKING, Severity.WARNING

# name -> (default severity, kind, batch column, canonical columns, reason)
_FIXED: dict[str, tuple[Severity, Kind, str, tuple[str, ...], str]] = {
    "source_record_id_unique": (
        _B, Kind.UNIQUE, "source_record_id", ("source_record_id",),
        "source_record_id is not unique within the source (every row sharing it is held)",
    ),
    "business_number_format": (
        _B, Kind.REGEX, "_bn_compact", ("business_number",),
        "business_number is not 9 digits, optionally followed by 2 letters and 4 digits",
    ),
    "business_number_check_digit": (
        _W, Kind.TRUE, "_ok_business_number_check_digit", ("business_number",),
        "business_number root fails the check digit (stdnum.ca.bn); not a valid BN for matching",
    ),
    "business_number_program_account": (
        _B, Kind.TRUE, "_ok_business_number_program_account", ("business_number",),
        "business_number program identifier (letters after the root) is not a known CRA program",
    ),
    "program_accounts_format": (
        _B, Kind.REGEX, "program_accounts", ("program_accounts",),
        "program_accounts is not a ';'-separated list of known program kind + 4 digits (RT0001)",
    ),
    "postal_code_format": (
        _B, Kind.REGEX, "postal_code", ("postal_code",),
        "postal_code is not a Canadian postal code (A1A 1A1)",
    ),
    "postal_code_matches_province": (
        _B, Kind.TRUE, "_ok_postal_code_matches_province", ("postal_code", "province"),
        "postal_code's first letter does not belong to the province",
    ),
    "province_valid": (
        _B, Kind.IN_SET, "province", ("province",),
        "province is not a Canadian province or territory code or name",
    ),
    "registration_date_not_future": (
        _B, Kind.TRUE, "_ok_registration_date_not_future", ("registration_date",),
        "registration_date is in the future",
    ),
    "status_date_not_future": (
        _B, Kind.TRUE, "_ok_status_date_not_future", ("status_date",),
        "status_date is in the future",
    ),
    "registration_not_after_status_date": (
        _B, Kind.TRUE, "_ok_registration_not_after_status_date",
        ("registration_date", "status_date"),
        "registration_date is after status_date",
    ),
    "legal_form_known": (
        _W, Kind.IN_SET, "_legal_form_key", ("legal_form",),
        "legal_form is not a known English or French legal form",
    ),
    "phone_valid": (
        _W, Kind.TRUE, "_ok_phone_valid", ("phone",),
        "phone is not a valid North American number (phonenumbers, region CA)",
    ),
    # an e-mail may be a sole proprietor's own: it reaches GX (and its Data Docs, which quote
    # unexpected values) only as a True/False helper
    "email_syntax": (
        _W, Kind.TRUE, "_ok_email_syntax", ("email",),
        "email is not a syntactically valid address",
    ),
    "business_type_known": (
        _B, Kind.IN_SET, "business_type", ("business_type",),
        "business_type is not one of " + ", ".join(BUSINESS_TYPES),
    ),
    "status_known": (
        _B, Kind.IN_SET, "status", ("status",),
        "status is not in the source's configured set of statuses",
    ),
    "employee_band_known": (
        _B, Kind.IN_SET, "employee_band", ("employee_band",),
        "employee_band is not in the configured set of bands",
    ),
    "address_type_known": (
        _B, Kind.IN_SET, "address_type", ("address_type",),
        "address_type is not in the configured set of address types",
    ),
    "naics_code_format": (
        _W, Kind.REGEX, "naics_code", ("naics_code",),
        "naics_code is not 2 to 6 digits",
    ),
    "owner_postal_code_format": (
        _W, Kind.TRUE, "_ok_owner_postal_code_format", ("owner_postal_code",),
        "owner_postal_code is not a Canadian postal code (A1A 1A1)",
    ),
    "no_social_insurance_number": (
        _W, Kind.TRUE, "_ok_no_social_insurance_number", (),
        "a value shaped like a social insurance number was found and removed",
    ),
}

PRESENT_SUFFIX = "_present"
EXPECTATION_NAMES: tuple[str, ...] = (
    *(f"{c}{PRESENT_SUFFIX}" for c in CANONICAL_COLUMNS), *_FIXED,
)
SIN_CHECK = "no_social_insurance_number"


def _params(name: str, rules: "SourceRules") -> dict[str, object] | None:
    """Regex / value set of a check; None when the check does not apply to this source."""
    match name:
        case "business_number_format":
            return {"regex": ref.BN_COMPACT_REGEX}
        case "program_accounts_format":
            return {"regex": ref.program_accounts_regex(rules.program_account_kinds)}
        case "postal_code_format":
            return {"regex": ref.POSTAL_CODE_REGEX}
        case "naics_code_format":
            return {"regex": ref.NAICS_REGEX}
        case "province_valid":
            return {"value_set": ref.PROVINCE_CODES}
        case "legal_form_known":
            keys = sorted({ref.letters_key(f) for f in rules.legal_forms})
            return {"value_set": tuple(keys)} if keys else None
        case "business_type_known":
            return {"value_set": BUSINESS_TYPES}
        case "status_known":
            return {"value_set": tuple(rules.statuses)} if rules.statuses else None
        case "employee_band_known":
            return {"value_set": tuple(rules.employee_bands)} if rules.employee_bands else None
        case "address_type_known":
            return {"value_set": tuple(rules.address_types)} if rules.address_types else None
    return {}


def build_checks(rules: "SourceRules") -> list[Check]:
    """The checks that run for a source, with the source's severities applied."""
    checks: list[Check] = []
    for column in dict.fromkeys(rules.required):
        name = f"{column}{PRESENT_SUFFIX}"
        severity = rules.severity.get(name, _B)
        if severity is Severity.OFF:
            continue
        # A personal field reaches GX only as a True/False helper, never as values.
        kind, gx_column = ((Kind.TRUE, f"_ok_{name}") if column in PERSONAL_FIELDS
                           else (Kind.NOT_NULL, column))
        checks.append(Check(
            name, kind, gx_column, (column,), severity,
            f"{column} is required for this source and is missing",
        ))
    for name, (default, kind, gx_column, columns, reason) in _FIXED.items():
        severity = rules.severity.get(name, default)
        params = _params(name, rules)
        if severity is Severity.OFF or params is None:
            continue
        sample = columns[0] if columns else None
        value_set = params.get("value_set")
        checks.append(Check(
            name, kind, gx_column, columns, severity, reason,
            regex=params.get("regex"),  # type: ignore[arg-type]
            value_set=tuple(value_set) if value_set is not None else None,  # type: ignore[arg-type]
            sample_column=sample,
        ))
    return checks
