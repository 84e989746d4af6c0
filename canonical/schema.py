"""The canonical schema: the one shape every ministry register is mapped into.

Every later stage (validation, matching, the registry) reads these columns and nothing
source-specific. Each field carries a privacy classification so that logs, exception
messages and Dagster metadata can be kept free of personal information by construction.
"""

import warnings
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd


class Classification(StrEnum):
    """How sensitive a field is; drives masking, logging and sharing agreements."""

    PUBLIC = "public"  # on the public register anyway (legal name, registered office)
    BUSINESS = "business"  # business information held in confidence (BN, phone, employees)
    PERSONAL = "personal"  # about a natural person (owner name, home address): never logged


class FieldType(StrEnum):
    STRING = "string"
    DATE = "date"
    INTEGER = "integer"


@dataclass(frozen=True)
class CanonicalField:
    name: str
    type: FieldType
    classification: Classification
    description: str


_S, _D, _I = FieldType.STRING, FieldType.DATE, FieldType.INTEGER
_PUB, _BUS, _PER = Classification.PUBLIC, Classification.BUSINESS, Classification.PERSONAL

# Lineage columns: added by the readers, never mapped from a source column.
LINEAGE_FIELDS: tuple[CanonicalField, ...] = (
    CanonicalField("source", _S, _PUB, "Id of the source register (config/sources.yaml)."),
    CanonicalField(
        "source_record_id", _S, _PUB,
        "Stable id of the record within its source, formed as the source's config says.",
    ),
    CanonicalField("source_file", _S, _PUB, "File (or database table) the row was read from."),
    CanonicalField("source_line", _I, _PUB, "1-based line (or row) number in that file."),
    CanonicalField(
        "record_hash", _S, _PUB,
        "Stable 64-bit hash (hex) of the raw row as read; a changed record has a new hash.",
    ),
)

# Business fields: what a source column may be mapped onto.
DATA_FIELDS: tuple[CanonicalField, ...] = (
    CanonicalField(
        "business_type", _S, _PUB,
        "corporation, society, cooperative, partnership, sole_proprietorship or other.",
    ),
    CanonicalField("legal_name", _S, _PUB, "Legal name as written, legal form included."),
    CanonicalField("operating_name", _S, _PUB, "Operating / trade / registered business name."),
    CanonicalField("legal_form", _S, _PUB, "Legal form as the source gives it (Ltd., Ltée...)."),
    CanonicalField(
        "business_number", _S, _BUS,
        "Federal Business Number as given: BN9 root or BN15 with program account.",
    ),
    CanonicalField(
        "program_accounts", _S, _BUS,
        "Program account identifiers (RT0001, RP0002...) separated by ';'.",
    ),
    CanonicalField("status", _S, _PUB, "Status as the source gives it (mapped by config)."),
    CanonicalField("registration_date", _D, _PUB, "Date registered / incorporated / opened."),
    CanonicalField("status_date", _D, _PUB, "Date of the last status change."),
    CanonicalField(
        "address_type", _S, _PUB,
        "Kind of the business address: registered_office, mailing, site or business.",
    ),
    CanonicalField("address_line", _S, _PUB, "Street address line(s) of the business."),
    CanonicalField("city", _S, _PUB, "City or community of the business address."),
    CanonicalField("province", _S, _PUB, "Province or territory code of the business address."),
    CanonicalField("postal_code", _S, _PUB, "Postal code of the business address."),
    CanonicalField("phone", _S, _BUS, "Business phone number as given."),
    CanonicalField("email", _S, _BUS, "Business e-mail address as given."),
    CanonicalField("naics_code", _S, _BUS, "Industry code (NAICS)."),
    CanonicalField("employee_band", _S, _BUS, "Employee count band (e.g. 1-4, 5-9...)."),
    CanonicalField("permit_number", _S, _BUS, "Permit or licence number."),
    CanonicalField("permit_type", _S, _BUS, "Kind of permit or licence."),
    CanonicalField("owner_name", _S, _PER, "Sole proprietor's or partner's name."),
    CanonicalField("owner_address_line", _S, _PER, "Owner's residential street address."),
    CanonicalField("owner_city", _S, _PER, "Owner's residential city."),
    CanonicalField("owner_postal_code", _S, _PER, "Owner's residential postal code."),
)

CANONICAL_FIELDS: tuple[CanonicalField, ...] = LINEAGE_FIELDS + DATA_FIELDS
FIELDS_BY_NAME: dict[str, CanonicalField] = {f.name: f for f in CANONICAL_FIELDS}
CANONICAL_COLUMNS: tuple[str, ...] = tuple(f.name for f in CANONICAL_FIELDS)
MAPPABLE_FIELDS: tuple[str, ...] = tuple(f.name for f in DATA_FIELDS)
PERSONAL_FIELDS: frozenset[str] = frozenset(
    f.name for f in CANONICAL_FIELDS if f.classification is Classification.PERSONAL
)
DATE_FIELDS: frozenset[str] = frozenset(f.name for f in CANONICAL_FIELDS if f.type is _D)

BUSINESS_TYPES: tuple[str, ...] = (
    "corporation", "society", "cooperative", "partnership", "sole_proprietorship", "other",
)


def empty_canonical_frame() -> pd.DataFrame:
    """A zero-row frame with every canonical column in its documented dtype."""
    return conform(pd.DataFrame(columns=list(CANONICAL_COLUMNS)))


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with exactly the canonical columns, in order, in their dtypes.

    Missing data columns are added as nulls; extra columns are an error because a
    stage that emits them has a bug (a silent extra column could carry personal data).
    """
    extra = sorted(set(frame.columns) - set(CANONICAL_COLUMNS))
    if extra:
        raise ValueError(f"columns not in the canonical schema: {', '.join(extra)}")
    out = frame.reindex(columns=list(CANONICAL_COLUMNS))
    for field in CANONICAL_FIELDS:
        column = out[field.name]
        if field.type is _S and field.name not in frame.columns:
            # Added as nulls of the right type at once: astype from the float NaN column
            # reindex makes goes value by value (seconds over the absent fields of 1M rows).
            out[field.name] = pd.Series(pd.NA, index=out.index, dtype="string")
            continue
        try:
            if field.type is _D:
                out[field.name] = pd.to_datetime(column, errors="raise").astype("datetime64[s]")
            elif field.type is _I:
                out[field.name] = column.astype("Int64")
            else:
                out[field.name] = column.astype("string")
        except (ValueError, TypeError, OverflowError):
            # pandas' own message quotes the offending value, which may be personal.
            raise ValueError(_conversion_problem(field, column)) from None
    return out


def _conversion_problem(field: CanonicalField, column: pd.Series) -> str:
    """Which column failed and how many of its values, never which values."""
    if field.type is _S:
        return f"column '{field.name}' cannot be converted to text (values not shown)"
    if field.type is _D:
        with warnings.catch_warnings():  # "could not infer format": expected, values are bad
            warnings.simplefilter("ignore", UserWarning)
            parsed = pd.to_datetime(column, errors="coerce")
    else:
        parsed = pd.to_numeric(column, errors="coerce")
    bad = int((column.notna() & parsed.isna()).sum())
    return (
        f"column '{field.name}' cannot be converted to {field.type}: {bad:,} value(s) are not "
        f"{'dates' if field.type is _D else 'whole numbers'} (values not shown)"
    )


def schema_markdown() -> str:
    """The canonical schema as a Markdown table; docs/canonical-schema.md is this, kept in step."""
    lines = [
        "# The canonical schema",
        "",
        "Every ministry register is mapped into these columns (`canonical/schema.py`). Each",
        "field is classified: **public** (on the public register anyway), **business** (business",
        "information held in confidence) or **personal** (about a natural person: never logged,",
        "never in exception messages or Dagster metadata; shared only where an agreement allows).",
        "",
        "| field | type | classification | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for f in CANONICAL_FIELDS:
        lines.append(f"| `{f.name}` | {f.type} | {f.classification} | {f.description} |")
    lines += [
        "",
        "A sole proprietorship's `legal_name` and `operating_name` are usually its owner's name:",
        "treat them as personal wherever `business_type` is `sole_proprietorship` or unknown",
        "(UBR never logs names or puts them in Dagster metadata, whatever their class).",
        "",
        "The first five fields are lineage, added by the readers; the others are what a source",
        "column may be mapped onto in `config/sources.yaml` (see docs/configuration.md).",
        "Dates are `datetime64[s]`, `source_line` is a nullable integer, everything else is text.",
        "",
    ]
    return "\n".join(lines)
