"""Data-sharing agreements as data: config/sharing.yaml, validated on load.

One agreement per consuming ministry says what it may see of the published registry: which
rows, which golden fields, and per field a treatment (clear, masked, keyed pseudonym or
withheld). Privacy mistakes are refused when the file is loaded, not when data flows: a personal
field shown without `personal_information: allowed`, a pseudonym without a secret, two ministries
sharing one secret (their pseudonyms would join). Errors name the file, the agreement (number and
id), the key and the allowed values, because the people who edit this file are not developers.
"""

import hashlib
import os
from collections.abc import Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator

from canonical.config_files import ConfigError, describe_validation_error, load_yaml_model
from canonical.paths import PROJECT_ROOT
from canonical.schema import BUSINESS_TYPES, PERSONAL_FIELDS
from registry.golden_schema import BUSINESS_STATUSES, GOLDEN_COLUMNS

__all__ = [
    "ConfigError", "DEFAULT_SHARING_CONFIG", "FieldRule",
    "PersonalInformation", "RowFilter", "SharingAgreement", "SharingFile", "Treatment",
    "load_sharing", "sharing_config_path", "sharing_hash",
]

DEFAULT_SHARING_CONFIG = PROJECT_ROOT / "config" / "sharing.yaml"
# Personal golden fields, in golden column order (canonical.schema classifies them).
PERSONAL_GOLDEN_FIELDS: tuple[str, ...] = tuple(c for c in GOLDEN_COLUMNS if c in PERSONAL_FIELDS)
# Keys a row filter may use: the registry status, and golden fields that are not personal.
ROW_FILTER_KEYS: tuple[str, ...] = ("status", *(c for c in GOLDEN_COLUMNS
                                               if c not in PERSONAL_FIELDS))
_ROW_FILTER_VALUES: dict[str, tuple[str, ...]] = {
    "status": BUSINESS_STATUSES,
    "business_type": BUSINESS_TYPES,
}
DEFAULT_KEEP_LAST = 4
_IDENTIFIER = r"^[a-z][a-z0-9_]{0,62}$"  # a PostgreSQL identifier that needs no quoting
_STRICT = ConfigDict(extra="forbid", frozen=True)

PersonalInformation = Literal["allowed", "withheld", "excluded"]


class Treatment(StrEnum):
    CLEAR = "clear"  # the value as published
    MASKED = "masked"  # all but the first or last few characters replaced by '*'
    PSEUDONYM = "pseudonym"  # HMAC-SHA256 keyed by the ministry's own secret
    WITHHELD = "withheld"  # always null


class FieldRule(BaseModel):
    """The treatment of one golden field; `phone: clear` is short for `{treatment: clear}`."""

    model_config = _STRICT
    treatment: Treatment
    keep_last: int | None = Field(None, ge=0)  # masked: characters left readable at the end
    keep_first: int | None = Field(None, ge=0)  # masked: ... or at the start (postal FSA: 3)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"treatment": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _options_fit(self) -> "FieldRule":
        given = [k for k in ("keep_last", "keep_first") if getattr(self, k) is not None]
        if given and self.treatment is not Treatment.MASKED:
            raise ValueError(f"'{given[0]}' applies only to treatment 'masked'")
        if len(given) > 1:
            raise ValueError("give one of 'keep_last' or 'keep_first', not both")
        return self

    @property
    def kept(self) -> tuple[Literal["first", "last"], int]:
        """Which end of a masked value stays readable, and how many characters."""
        if self.keep_first is not None:
            return "first", self.keep_first
        return "last", DEFAULT_KEEP_LAST if self.keep_last is None else self.keep_last


class RowFilter(RootModel[dict[str, Annotated[list[str], Field(min_length=1)]]]):
    """Which rows a ministry gets: column -> allowed values, all conditions must hold.

    Empty means every business, active and retired. A row whose column is null fails.
    """

    root: dict[str, Annotated[list[str], Field(min_length=1)]] = Field(default_factory=dict)
    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _known(self) -> "RowFilter":
        unknown = [k for k in self.root if k not in ROW_FILTER_KEYS]
        if unknown:
            personal = [k for k in unknown if k in PERSONAL_FIELDS]
            why = " (personal fields cannot filter rows)" if personal else ""
            raise ValueError(f"unknown row filter key(s) {unknown}{why}; allowed: "
                             f"{', '.join(ROW_FILTER_KEYS)}")
        for key, allowed in _ROW_FILTER_VALUES.items():
            wrong = [v for v in self.root.get(key, []) if v not in allowed]
            if wrong:
                raise ValueError(f"'{key}' value(s) {wrong} not allowed; allowed: "
                                 f"{', '.join(allowed)}")
        return self

    def items(self) -> Iterator[tuple[str, list[str]]]:
        return iter(self.root.items())

    def describe(self) -> str:
        """One line for tables and logs: `status in [active]; business_status in [active]`."""
        if not self.root:
            return "all rows"
        return "; ".join(f"{k} in [{', '.join(v)}]" for k, v in self.root.items())


class SharingAgreement(BaseModel):
    """What one consuming ministry may see of the published registry, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")
    ministry: str = Field(min_length=1)
    purpose: str = Field(min_length=1)
    sources: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] = Field(min_length=1)
    fields: dict[str, FieldRule] = Field(min_length=1)
    rows: RowFilter = Field(default_factory=RowFilter)
    personal_information: PersonalInformation
    secret_env: str | None = Field(None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    db_schema: str | None = Field(None, alias="schema", pattern=_IDENTIFIER)
    role: str | None = Field(None, pattern=_IDENTIFIER)

    @field_validator("purpose")
    @classmethod
    def _purpose_said(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("say why the ministry receives the data (a non-empty purpose)")
        return value

    @field_validator("fields")
    @classmethod
    def _golden_fields(cls, value: dict[str, FieldRule]) -> dict[str, FieldRule]:
        unknown = [name for name in value if name not in GOLDEN_COLUMNS]
        if unknown:
            raise ValueError(f"unknown golden field(s) {unknown}; allowed: "
                             f"{', '.join(GOLDEN_COLUMNS)}")
        return value

    @model_validator(mode="after")
    def _privacy(self) -> "SharingAgreement":
        if self.personal_information != "allowed":
            shown = [n for n in self.fields
                     if n in PERSONAL_FIELDS and self.treatment(n) is not Treatment.WITHHELD]
            if shown:
                raise ValueError(
                    f"key 'fields': personal field(s) {shown} may only be shared (clear, masked "
                    f"or pseudonym) with personal_information: allowed, not "
                    f"'{self.personal_information}'; give them treatment 'withheld'")
        pseudonyms = self.fields_with(Treatment.PSEUDONYM)
        if pseudonyms and not self.secret_env:
            raise ValueError(
                f"key 'secret_env' is required: field(s) {pseudonyms} are pseudonyms, keyed by a "
                f"secret read from that environment variable (e.g. "
                f"UBR_SHARING_SECRET_{self.id.upper()})")
        if len(set(self.sources)) != len(self.sources):
            raise ValueError("key 'sources': a source id is listed twice")
        return self

    def treatment(self, field: str) -> Treatment:
        """The field's treatment; a golden field the agreement does not list is withheld."""
        rule = self.fields.get(field)
        return Treatment.WITHHELD if rule is None else rule.treatment

    def fields_with(self, treatment: Treatment) -> list[str]:
        """Golden fields with this treatment, in golden column order (unlisted are withheld)."""
        return [c for c in GOLDEN_COLUMNS if self.treatment(c) is treatment]

    def schema_name(self) -> str:
        """PostgreSQL schema holding this ministry's views."""
        return self.db_schema or f"ubr_share_{self.id}"

    def role_name(self) -> str:
        """PostgreSQL role this ministry logs in as (SELECT on its own views only)."""
        return self.role or f"ubr_{self.id}"

    def visible_columns(self) -> list[str]:
        """Columns of the ministry's view: ids and status, then shared fields in config order."""
        shown = [n for n, r in self.fields.items() if r.treatment is not Treatment.WITHHELD]
        return ["registry_id", "status", "retired_into", *shown]


class SharingFile(BaseModel):
    model_config = _STRICT
    version: int = Field(1, ge=1, le=1)
    keep_publications: int = Field(3, ge=1)
    agreements: list[SharingAgreement] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> "SharingFile":
        for what, key in (("id", lambda a: a.id), ("secret_env", lambda a: a.secret_env),
                          ("schema", SharingAgreement.schema_name),
                          ("role", SharingAgreement.role_name)):
            seen: dict[str, int] = {}
            for number, agreement in enumerate(self.agreements, start=1):
                value = key(agreement)
                if value is None:
                    continue
                if value in seen:
                    why = (" (ministries sharing a secret could join on their pseudonyms)"
                           if what == "secret_env" else "")
                    raise ValueError(
                        f"key 'agreements': each agreement needs its own {what}{why}; "
                        f"agreements {seen[value]} and {number} both use '{value}'")
                seen[value] = number
        return self

    def get(self, ministry_id: str) -> SharingAgreement:
        for agreement in self.agreements:
            if agreement.id == ministry_id:
                return agreement
        known = ", ".join(a.id for a in self.agreements)
        raise ConfigError(f"no data-sharing agreement for ministry '{ministry_id}'; "
                          f"agreements: {known}")


def _describe(error: Mapping[str, Any], raw: Any) -> str:
    """The shared wording, naming the agreement by number and id and listing allowed keys."""
    loc = list(error["loc"])
    message = describe_validation_error({**error, "loc": ()})
    if error["type"] == "extra_forbidden":
        in_rule = len(loc) >= 4 and loc[2] == "fields"
        model = FieldRule if in_rule else SharingAgreement if len(loc) == 3 else SharingFile
        allowed = [f.alias or n for n, f in model.model_fields.items()]
        message += f" (allowed: {', '.join(allowed)})"
    if len(loc) >= 2 and loc[0] == "agreements" and isinstance(loc[1], int):
        entries = raw.get("agreements") or []
        entry = entries[loc[1]] if loc[1] < len(entries) else {}
        name = entry.get("id") if isinstance(entry, dict) else None
        where = f"agreement {loc[1] + 1}" + (f" (id '{name}')" if name else "")
        rest = [str(p) for p in loc[2:] if p != "root"]
        if rest:
            return f"{where}, key '{'.'.join(rest)}': {message}"
        return f"{where}, {message}" if message.startswith("key '") else f"{where}: {message}"
    key = ".".join(str(p) for p in loc)
    return f"key '{key}': {message}" if key else message


def sharing_config_path(path: str | Path | None = None) -> Path:
    """The agreements file: `path`, else $UBR_SHARING_CONFIG, else config/sharing.yaml."""
    if path is not None:
        return Path(path)
    return Path(os.environ.get("UBR_SHARING_CONFIG") or DEFAULT_SHARING_CONFIG)


def load_sharing(path: str | Path | None = None) -> SharingFile:
    """Read and validate the data-sharing agreements; ConfigError names file, agreement, key."""
    return load_yaml_model(sharing_config_path(path), SharingFile, describe=_describe)


def sharing_hash(path: str | Path | None = None) -> str:
    """SHA-256 of the agreements file's bytes: which agreements a publication applied."""
    resolved = sharing_config_path(path)
    if not resolved.is_file():
        raise ConfigError(f"{resolved}: configuration file not found")
    return hashlib.sha256(resolved.read_bytes()).hexdigest()
