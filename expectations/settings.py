"""Validation settings from config/expectations.yaml: thresholds, reference sets, overrides.

Thresholds and reference sets are data, not code, so a steward can tighten a source without a
release. Errors name the file and the key, like sources.config does for config/sources.yaml.
"""

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from canonical.config_files import ConfigError, check_field_names, load_yaml_model
from canonical.schema import CANONICAL_COLUMNS
from expectations.catalogue import EXPECTATION_NAMES
from expectations.severity import Severity

DEFAULT_SETTINGS_PATH = Path(__file__).resolve().parent.parent / "config" / "expectations.yaml"


_STRICT = ConfigDict(extra="forbid", frozen=True)


def _known_columns(value: list[str], what: str) -> list[str]:
    return check_field_names(value, CANONICAL_COLUMNS, what)


class SourceRules(BaseModel):
    """The resolved rules for one source: defaults with that source's overrides applied."""

    model_config = _STRICT
    max_invalid_share: float = Field(0.05, ge=0.0, le=1.0)
    required: list[str] = Field(default_factory=lambda: ["source", "source_record_id"])
    severity: dict[str, Severity] = Field(default_factory=dict)
    sin_exempt_fields: list[str] = Field(default_factory=list)
    fail_on_empty_mapped_field: bool = True
    statuses: list[str] | None = None  # None: status is not checked against a set
    employee_bands: list[str] = Field(default_factory=list)
    address_types: list[str] = Field(default_factory=list)
    program_account_kinds: list[str] = Field(default_factory=lambda: ["RC", "RM", "RP", "RT"])
    legal_forms: list[str] = Field(default_factory=list)

    @field_validator("required", "sin_exempt_fields")
    @classmethod
    def _columns(cls, value: list[str]) -> list[str]:
        return _known_columns(value, "the list")

    @field_validator("program_account_kinds")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        wrong = [k for k in value if len(k) != 2 or not k.isalpha() or not k.isupper()]
        if wrong:
            raise ValueError(f"program account kinds are two capital letters; got {wrong}")
        return value


class SourceOverride(BaseModel):
    """What a source may override; unset keys fall back to the defaults."""

    model_config = _STRICT
    max_invalid_share: float | None = Field(None, ge=0.0, le=1.0)
    required: list[str] | None = None
    severity: dict[str, Severity] | None = None
    sin_exempt_fields: list[str] | None = None
    fail_on_empty_mapped_field: bool | None = None
    statuses: list[str] | None = None
    employee_bands: list[str] | None = None
    address_types: list[str] | None = None
    program_account_kinds: list[str] | None = None
    legal_forms: list[str] | None = None


_ADDITIVE = ("required", "sin_exempt_fields")


class ExpectationSettings(BaseModel):
    """The whole file: defaults plus per-source overrides."""

    model_config = _STRICT
    version: int = Field(1, ge=1, le=1)
    defaults: SourceRules = Field(default_factory=SourceRules)
    sources: dict[str, SourceOverride] = Field(default_factory=dict)

    def for_source(self, source_id: str) -> SourceRules:
        """Resolve the rules of one source (a source without overrides gets the defaults)."""
        override = self.sources.get(source_id)
        if override is None:
            return self.defaults
        merged: dict[str, Any] = self.defaults.model_dump()
        for key, value in override.model_dump(exclude_none=True).items():
            if key in _ADDITIVE:
                merged[key] = list(dict.fromkeys([*merged[key], *value]))
            elif key == "severity":
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        return SourceRules.model_validate(merged)


def load_expectation_settings(path: str | Path = DEFAULT_SETTINGS_PATH) -> ExpectationSettings:
    """Read and validate config/expectations.yaml; raise ConfigError naming file and key."""
    settings = load_yaml_model(path, ExpectationSettings)
    blocks = [("defaults", settings.defaults.severity)]
    blocks += [(f"sources.{k}", v.severity or {}) for k, v in settings.sources.items()]
    for where, severity in blocks:
        unknown = sorted(set(severity) - set(EXPECTATION_NAMES))
        if unknown:
            raise ConfigError(
                f"{path}: key '{where}.severity': unknown expectation(s) {unknown}; "
                f"allowed: {', '.join(EXPECTATION_NAMES)}"
            )
    return settings
