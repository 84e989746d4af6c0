"""How long a value may be: per canonical field, and for the raw row kept in quarantine.

A register that carries a 1 MB "name" (a pasted document, a broken export) would otherwise make
that text a golden name in every export and share. A mapped value longer than its field's
limit sends its row to quarantine (stage `map`) with a reason naming the column and the limit,
never the value. Limits are generous for real data; a source may raise or lower one with
`max_lengths` in config/sources.yaml. Documented in docs/configuration.md.
"""

from types import MappingProxyType

from canonical.schema import DATE_FIELDS, MAPPABLE_FIELDS

_NAME, _ADDRESS, _ID, _CODE, _SHORT = 300, 200, 100, 20, 100

# Characters (after trimming blanks), per canonical text field. Dates are parsed, not limited.
DEFAULT_MAX_LENGTHS: MappingProxyType[str, int] = MappingProxyType({
    "source_record_id": 200,  # formed from the record_id columns and the prefix
    "business_type": _SHORT,
    "legal_name": _NAME,
    "operating_name": _NAME,
    "legal_form": _SHORT,
    "business_number": _ID,
    "program_accounts": 400,  # a ';'-separated list of RT0001-style accounts
    "status": _SHORT,
    "address_type": _SHORT,
    "address_line": _ADDRESS,
    "city": _SHORT,
    "province": 50,
    "postal_code": _CODE,
    "phone": 40,
    "email": 254,  # the longest address SMTP allows (RFC 5321)
    "naics_code": _CODE,
    "employee_band": _SHORT,
    "permit_number": _ID,
    "permit_type": _ADDRESS,
    "owner_name": _NAME,
    "owner_address_line": _ADDRESS,
    "owner_city": _SHORT,
    "owner_postal_code": _CODE,
})
LIMITED_FIELDS: tuple[str, ...] = tuple(DEFAULT_MAX_LENGTHS)
# The largest limit a source may set: beyond it a value is not a field but a document.
MAX_CONFIGURABLE_LENGTH = 100_000

# The raw row kept in quarantine (`raw_record`, JSON): each text value is cut at
# RAW_VALUE_LIMIT characters with a marker, and the whole row at RAW_RECORD_LIMIT.
RAW_VALUE_LIMIT = 1_000
RAW_RECORD_LIMIT = 20_000

if set(MAPPABLE_FIELDS) - DATE_FIELDS - set(LIMITED_FIELDS):  # a new field needs a limit
    raise AssertionError("canonical.field_limits: a canonical text field has no default limit")


def max_lengths(overrides: dict[str, int] | None = None) -> dict[str, int]:
    """The limits for one source: the defaults with its `max_lengths` applied."""
    return {**DEFAULT_MAX_LENGTHS, **(overrides or {})}
