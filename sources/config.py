"""Source configuration: one YAML entry per ministry register, validated on load.

A new register is a YAML entry, not code. Errors name the file, the entry, the key and
what was allowed, because the people who edit this file are data engineers, not developers.
"""

import os
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from canonical.config_files import (
    ConfigError,
    check_field_names,
    describe_validation_error,
    load_yaml_model,
)
from canonical.field_limits import LIMITED_FIELDS, MAX_CONFIGURABLE_LENGTH
from canonical.schema import DATE_FIELDS, MAPPABLE_FIELDS


class SourceFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    XLSX = "xlsx"
    FIXED_WIDTH = "fixed_width"
    SQL = "sql"
    AUTO = "auto"  # chosen per file by its extension (see FORMAT_BY_EXTENSION)


FORMAT_BY_EXTENSION: dict[str, SourceFormat] = {
    ".csv": SourceFormat.CSV,
    ".txt": SourceFormat.CSV,
    ".jsonl": SourceFormat.JSONL,
    ".ndjson": SourceFormat.JSONL,
    ".xlsx": SourceFormat.XLSX,
    ".dat": SourceFormat.FIXED_WIDTH,
}

_STRICT = ConfigDict(extra="forbid", frozen=True)


class FixedWidthColumn(BaseModel):
    """One column of a fixed-width file: 1-based start position and width in characters."""

    model_config = _STRICT
    name: str
    start: int = Field(ge=1)
    width: int = Field(ge=1)


class RecordIdSpec(BaseModel):
    """How the stable source_record_id is formed: source columns joined by ':'.

    Line numbers are not allowed: they change when a file is re-sorted.
    """

    model_config = _STRICT
    columns: list[str] = Field(min_length=1)
    prefix: str | None = None  # defaults to the source id


class SourceConfig(BaseModel):
    model_config = _STRICT

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    ministry: str
    description: str = ""
    format: SourceFormat
    location: str | None = None  # path or glob, relative to the data directory
    url: str | None = None  # SQLAlchemy URL, for format: sql
    table: str | None = None
    query: str | None = None
    encoding: str = "utf-8"
    delimiter: str = ","
    sheet: str | int | None = None  # xlsx: sheet name or 0-based index; default the first
    fixed_width: list[FixedWidthColumn] | None = None
    record_id: RecordIdSpec
    mapping: dict[str, str] = Field(min_length=1)  # canonical field -> source column
    constants: dict[str, str] = Field(default_factory=dict)  # canonical field -> fixed value
    value_maps: dict[str, dict[str, str]] = Field(default_factory=dict)  # recode values
    date_formats: dict[str, str] = Field(default_factory=dict)  # canonical date -> strptime
    number_columns: list[str] = Field(default_factory=list)  # source columns that must parse
    optional_columns: list[str] = Field(default_factory=list)  # mapped but may be absent
    # canonical field -> most characters a value may have (canonical/field_limits.py defaults)
    max_lengths: dict[str, Annotated[int, Field(ge=1, le=MAX_CONFIGURABLE_LENGTH)]] = Field(
        default_factory=dict)
    # A batch whose accepted rows differ from the previous accepted batch's by more than this
    # share (or that is empty) is held back until an operator accepts it (docs/operations.md).
    max_change: float = Field(0.2, gt=0)

    @field_validator("mapping", "constants", "value_maps")
    @classmethod
    def _known_fields(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        return check_field_names(value, MAPPABLE_FIELDS, str(info.field_name))

    @field_validator("max_lengths")
    @classmethod
    def _limited_fields(cls, value: dict[str, int]) -> dict[str, int]:
        return check_field_names(value, LIMITED_FIELDS, "max_lengths")

    @field_validator("date_formats")
    @classmethod
    def _dates_only(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = sorted(set(value) - DATE_FIELDS)
        if wrong:
            raise ValueError(
                f"date_formats names non-date field(s) {wrong}; allowed: {sorted(DATE_FIELDS)}"
            )
        return value

    @model_validator(mode="after")
    def _location_fits_format(self) -> "SourceConfig":
        if self.format is SourceFormat.SQL:
            if not self.url:
                raise ValueError("format 'sql' needs 'url' (a SQLAlchemy database URL)")
            if bool(self.table) == bool(self.query):
                raise ValueError("format 'sql' needs exactly one of 'table' or 'query'")
        elif not self.location:
            raise ValueError(f"format '{self.format}' needs 'location' (a path or glob)")
        if self.format is SourceFormat.FIXED_WIDTH and not self.fixed_width:
            raise ValueError("format 'fixed_width' needs 'fixed_width' (the column layout)")
        return self

    @property
    def required_columns(self) -> list[str]:
        """Source columns that must be present: everything mapped or used for the id."""
        wanted = list(dict.fromkeys([*self.record_id.columns, *self.mapping.values()]))
        return [c for c in wanted if c not in self.optional_columns]


class SourcesFile(BaseModel):
    model_config = _STRICT
    version: int = Field(1, ge=1, le=1)
    sources: list[SourceConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> "SourcesFile":
        ids = [s.id for s in self.sources]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"source ids must be unique; repeated: {repeated}")
        return self

    def get(self, source_id: str) -> SourceConfig:
        for source in self.sources:
            if source.id == source_id:
                return source
        known = ", ".join(s.id for s in self.sources)
        raise ConfigError(f"unknown source '{source_id}'; configured sources: {known}")


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand(value: str, data_dir: Path, where: str) -> str:
    """Expand ${UBR_DATA_DIR} (the run's data directory) and ${VAR} / ${VAR:-default}."""

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name == "UBR_DATA_DIR":
            return str(data_dir)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{where}: environment variable {name} is not set")

    return _VARIABLE.sub(replace, value)


def _describe_source_error(error: Mapping[str, Any], raw: Any) -> str:
    """Like describe_validation_error, naming the source entry by number and id."""
    loc = list(error["loc"])
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        entries = raw.get("sources") or []
        entry = entries[loc[1]] if loc[1] < len(entries) else {}
        name = entry.get("id") if isinstance(entry, dict) else None
        where = f"entry {loc[1] + 1}" + (f" (id '{name}')" if name else "")
        rest = describe_validation_error({**error, "loc": tuple(loc[2:])})
        return f"{where}, {rest}" if loc[2:] else f"{where}: {rest}"
    return describe_validation_error(error)


def load_sources(path: str | Path) -> SourcesFile:
    """Read and validate config/sources.yaml; raise ConfigError naming file, entry and key."""
    return load_yaml_model(path, SourcesFile, describe=_describe_source_error)
