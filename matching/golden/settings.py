"""Survivorship rules as data: config/survivorship.yaml, validated on load.

A wrong key or value is reported with the file, the key path and the allowed values, so an
operator can fix the YAML without reading this code.
"""

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from canonical.config_files import describe_validation_error, load_yaml_model
from canonical.schema import CANONICAL_COLUMNS, DATE_FIELDS

DEFAULT_SURVIVORSHIP = Path(__file__).resolve().parents[2] / "config" / "survivorship.yaml"

Criterion = Literal["trust", "valid", "newest", "oldest", "complete"]
CRITERIA: tuple[str, ...] = ("trust", "valid", "newest", "oldest", "complete")


class SurvivorshipError(ValueError):
    """A survivorship file that cannot be used; the message names file, key and allowed values."""


class FieldRule(BaseModel):
    """How one golden field (or group of columns surviving together) is chosen."""

    model_config = ConfigDict(extra="forbid")

    columns: list[str] | None = None  # a group: columns taken together from one record
    value_column: str | None = None  # survive this (standardised) column instead of the field
    required: str | None = None  # group only: a candidate must have this column
    split: str | None = None  # the field holds several values separated by this string
    rules: list[Criterion] = Field(min_length=1)
    trust: list[str] = Field(default_factory=list)
    valid_column: str | None = None
    require_valid: bool = False
    date_columns: list[str] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "FieldRule":
        if ("valid" in self.rules or self.require_valid) and not self.valid_column:
            raise ValueError("rule 'valid' and require_valid need 'valid_column'")
        if "trust" in self.rules and not self.trust:
            raise ValueError("rule 'trust' needs a 'trust' list of source ids")
        if self.columns is not None:
            if self.value_column or self.split:
                raise ValueError("a group ('columns') takes neither 'value_column' nor 'split'")
            if self.required is not None and self.required not in self.columns:
                raise ValueError(f"'required' must be one of the columns {self.columns}")
        elif self.required is not None:
            raise ValueError("'required' applies only to a group ('columns')")
        if len(set(self.rules)) != len(self.rules):
            raise ValueError("a rule is listed twice")
        return self


class SurvivorshipSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    fields: dict[str, FieldRule] = Field(min_length=1)
    date_columns: list[str] = Field(default_factory=lambda: ["status_date", "registration_date"])

    @model_validator(mode="after")
    def _known_columns(self) -> "SurvivorshipSettings":
        for column in self.date_columns:
            if column not in DATE_FIELDS:
                raise ValueError(f"date_columns: {column!r} is not a date field; "
                                 f"allowed: {sorted(DATE_FIELDS)}")
        for name, rule in self.fields.items():
            for column in rule.columns or ([] if rule.value_column else [name]):
                if column not in CANONICAL_COLUMNS:
                    raise ValueError(f"fields.{name}: {column!r} is not a canonical field; "
                                     f"allowed: {', '.join(CANONICAL_COLUMNS)}")
            for column in rule.date_columns or []:
                if column not in DATE_FIELDS:
                    raise ValueError(f"fields.{name}.date_columns: {column!r} is not a date "
                                     f"field; allowed: {sorted(DATE_FIELDS)}")
        return self

    def golden_columns(self) -> list[str]:
        """Every column a golden record has, in configuration order."""
        out: list[str] = []
        for name, rule in self.fields.items():
            out.extend(rule.columns or [name])
        return out

    def config_hash(self) -> str:
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def _describe(error: Mapping[str, Any], _raw: Any) -> str:
    """The shared wording, plus the allowed criteria or keys where the editor needs them."""
    message = describe_validation_error(error)
    if error["type"] == "literal_error" and "rules" in error["loc"]:
        message += f" (allowed: {', '.join(CRITERIA)})"
    elif error["type"] == "extra_forbidden":
        allowed = FieldRule.model_fields if "fields" in error["loc"] \
            else SurvivorshipSettings.model_fields
        message += f" (allowed: {', '.join(allowed)})"
    return message


def load_survivorship(path: str | Path | None = None) -> SurvivorshipSettings:
    """Read and validate the survivorship rules; errors name the file and the key."""
    return load_yaml_model(path if path is not None else DEFAULT_SURVIVORSHIP,
                           SurvivorshipSettings, error=SurvivorshipError, describe=_describe)
