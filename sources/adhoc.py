"""Ad hoc inputs: CSV files named on the command line (`ubr dedupe`), read like a register.

`ubr dedupe` takes a short mapping file (`id: Id`, `fields: {name: Site name, ...}`) instead of
a config/sources.yaml entry. This module validates it (errors name the file and the key, like
every configuration file), turns it into a `SourceConfig` per input file and reads each file
with the pipeline's own reader and mapping, so an ad hoc file gets every protection a register
gets: control characters and unreadable lines quarantined at read, per-field size limits,
messages that name columns and lines, never a cell. Nothing is dropped silently: every row
read is a record or a quarantine row with file, line and reason.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from canonical.config_files import describe_validation_error, load_yaml_model
from canonical.field_limits import DEFAULT_MAX_LENGTHS, MAX_CONFIGURABLE_LENGTH
from canonical.quarantine import QUARANTINE_COLUMNS, quarantine_frame
from sources.config import RecordIdSpec, SourceConfig, SourceFormat
from sources.ingest import ReconciliationError
from sources.mapping import map_to_canonical
from sources.readers import LINE_COLUMN, RawFile, SourceIngestError, read_file

ADHOC_SOURCE = "dedupe"  # the source id of every ad hoc file (quarantine rows, SIN rules)
ID_PREFIX = ADHOC_SOURCE + ":"  # what map_to_canonical puts before the id; taken off again
# The fields the matcher compares (matching/standardise.py INPUT_COLUMNS; a test holds them
# equal), and the short names a mapping file may use for them.
LINKED_FIELDS: tuple[str, ...] = (
    "legal_name", "operating_name", "legal_form", "business_number", "program_accounts",
    "address_line", "city", "province", "postal_code", "phone", "email",
)
FIELD_ALIASES: dict[str, str] = {
    "name": "legal_name", "address": "address_line", "zip": "postal_code",
    "postcode": "postal_code", "bn": "business_number", "telephone": "phone",
}
MAPPING_KEYS = ("id", "fields", "max_lengths")
_SHOWN_LINES = 5  # lines named in a repeated id's reason


def _field_name(key: str) -> str:
    """The canonical field a mapping key names (an alias or the canonical name itself)."""
    field = FIELD_ALIASES.get(key, key)
    if field not in LINKED_FIELDS:
        allowed = ", ".join(sorted({*FIELD_ALIASES, *LINKED_FIELDS}))
        raise ValueError(f"'{key}' is not a field the matcher compares; allowed: {allowed}")
    return field


class AdhocMapping(BaseModel):
    """A `ubr dedupe` mapping file: the record id column and canonical field -> column."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(min_length=1)
    fields: dict[str, str] = Field(min_length=1)  # canonical field -> column, aliases resolved
    # canonical field (or `id`) -> most characters a value may have (field_limits defaults)
    max_lengths: dict[str, Annotated[int, Field(ge=1, le=MAX_CONFIGURABLE_LENGTH)]] = Field(
        default_factory=dict)

    @field_validator("fields", mode="before")
    @classmethod
    def _columns_as_text(cls, value: Any) -> Any:
        """A column named 2012 is written `2012` in YAML: read it as the text it is."""
        if isinstance(value, Mapping):
            return {k: str(v) if isinstance(v, int | float) else v for k, v in value.items()}
        return value

    @field_validator("fields")
    @classmethod
    def _canonical_fields(cls, value: dict[str, str]) -> dict[str, str]:
        mapped: dict[str, str] = {}
        for key, column in value.items():
            field = _field_name(key)
            if field in mapped:
                raise ValueError(f"field {field} is mapped twice ('{key}' and another key)")
            if not column.strip():
                raise ValueError(f"'{key}' names no column")
            mapped[field] = column
        return mapped

    @field_validator("max_lengths")
    @classmethod
    def _limited_fields(cls, value: dict[str, int]) -> dict[str, int]:
        return {("source_record_id" if k == "id" else _field_name(k)): v for k, v in value.items()}


def _describe(error: Mapping[str, Any], _raw: Any) -> str:
    """Like every configuration file's errors; an unknown key lists the keys there are."""
    text = describe_validation_error(error)
    if error["type"] == "extra_forbidden" and len(error["loc"]) == 1:
        text += f"; allowed: {', '.join(MAPPING_KEYS)}"
    return text


def load_adhoc_mapping(path: Path) -> AdhocMapping:
    """Read and validate a mapping file; ConfigError names the file and the key."""
    return load_yaml_model(path, AdhocMapping, describe=_describe)


def _id_limit(mapping: AdhocMapping) -> int:
    """The longest record id allowed, as the user counts it (ID_PREFIX not included)."""
    return mapping.max_lengths.get("source_record_id", DEFAULT_MAX_LENGTHS["source_record_id"])


def adhoc_config(mapping: AdhocMapping, path: Path) -> SourceConfig:
    """The validated source configuration that reads one input file as the mapping says."""
    limits = {**mapping.max_lengths,
              "source_record_id": min(_id_limit(mapping) + len(ID_PREFIX),
                                      MAX_CONFIGURABLE_LENGTH)}
    return SourceConfig(
        id=ADHOC_SOURCE, ministry="ad hoc input", description="a file given to ubr dedupe",
        format=SourceFormat.CSV, location=str(path),
        record_id=RecordIdSpec(columns=[mapping.id]), mapping=dict(mapping.fields),
        max_lengths=limits,
    )


def adhoc_reasons(reasons: pd.Series, mapping: AdhocMapping) -> pd.Series:
    """Quarantine reasons as a `ubr dedupe` user reads them: limits are set in the mapping
    file (not config/sources.yaml), and the id's limit is counted without ID_PREFIX."""
    config_limit = min(_id_limit(mapping) + len(ID_PREFIX), MAX_CONFIGURABLE_LENGTH)
    return (reasons.astype("string")
            .str.replace(f"longer than {config_limit:,} characters, the limit for "
                         "source_record_id (max_lengths in config/sources.yaml)",
                         f"longer than {_id_limit(mapping):,} characters, the limit for record "
                         "ids (max_lengths: id in the mapping file)", regex=False)
            .str.replace("(max_lengths in config/sources.yaml)",
                         "(max_lengths in the mapping file)", regex=False))


@dataclass
class AdhocFile:
    """One input file read: canonical records and quarantine rows, every row read in one."""

    records: pd.DataFrame  # canonical (map_to_canonical), source_record_id = ID_PREFIX + id
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS, raw_record included (never written out)
    rows_read: int

    def reconcile(self, path: Path) -> None:
        if self.rows_read != len(self.records) + len(self.quarantine):
            raise ReconciliationError(
                f"{path}: read {self.rows_read} rows but accepted {len(self.records)} and "
                f"quarantined {len(self.quarantine)}")


def read_adhoc(mapping: AdhocMapping, path: Path) -> AdhocFile:
    """Read one CSV file through the sources reader and mapping, repeated ids quarantined.

    Raises SourceIngestError, a sentence naming the file (and column), when the file as a whole
    cannot be used: missing, unreadable, empty, or without a column the mapping names.
    """
    config = adhoc_config(mapping, path)
    if not path.is_file():
        raise SourceIngestError(f"input file {path} does not exist")
    try:
        raw = read_file(config, path, SourceFormat.CSV)
    except SourceIngestError as exc:  # the reader's sentence, without the ad hoc source's id
        raise SourceIngestError(str(exc).removeprefix(f"source '{ADHOC_SOURCE}': ")) from None
    except OSError as exc:
        raise SourceIngestError(f"input file {path} cannot be read: {exc.strerror}") from None
    used = _used_columns(mapping, raw, path)
    narrow = RawFile(raw.source, raw.path, raw.rows[[*used, LINE_COLUMN]], used, [],
                     raw.header_line)
    records, bad = map_to_canonical(config, narrow)
    records, repeated = _unique_ids(records, mapping.id)
    batch = AdhocFile(records, pd.concat([raw.quarantine(), bad, repeated], ignore_index=True),
                      raw.rows_read)
    batch.reconcile(path)
    return batch


def _used_columns(mapping: AdhocMapping, raw: RawFile, path: Path) -> list[str]:
    """The columns the mapping reads, each found once in the header, or a sentence.

    The header's own names are not shown: in a file without a header line they are data.
    """
    wanted = list(dict.fromkeys([mapping.id, *mapping.fields.values()]))
    missing = [c for c in wanted if c not in raw.columns]
    if missing:
        uses = [("the record id" if c == mapping.id else
                 " and ".join(f for f, col in mapping.fields.items() if col == c)) for c in missing]
        named = "; ".join(f"'{c}' ({use})" for c, use in zip(missing, uses, strict=True))
        message = (f"input file {path} has no column {named}, named in the mapping file; it has "
                   f"{len(raw.columns)} column(s)")
        if len(missing) == len(wanted):
            message += (", none of them named in the mapping: the file may lack its header line "
                        "(the first line must name the columns), or the columns are named "
                        "otherwise")
        raise SourceIngestError(message + ".")
    repeated = [c for c in wanted if raw.columns.count(c) > 1]
    if repeated:
        raise SourceIngestError(
            f"input file {path} has {len(repeated)} column name(s) used by the mapping more "
            f"than once in its header ({', '.join(map(repr, repeated))}): rename one of each "
            "so the mapping names a single column")
    return wanted


def _unique_ids(records: pd.DataFrame, id_column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records whose id no other record of the file carries; the others, as quarantine rows.

    Every copy goes: which one is the record the id stands for is the user's call, and an id
    that names two rows would make clusters.csv ambiguous.
    """
    ids = records["source_record_id"]
    repeated = ids.duplicated(keep=False).to_numpy(bool)
    if not repeated.any():
        return records, quarantine_frame()
    copies = records.loc[repeated, ["source_file", "source_line", "source_record_id"]]
    lines = copies.groupby("source_record_id", sort=False)["source_line"].agg(
        lambda found: _line_list(found.tolist()))
    counts = copies.groupby("source_record_id", sort=False)["source_line"].size()
    reason = (f"record id in column '{id_column}' is not unique in this file: "
              + counts.astype(str) + " rows carry it (lines " + lines + "); give each record "
              "its own id")
    quarantine = pd.DataFrame({
        "source": ADHOC_SOURCE, "source_file": copies["source_file"].to_numpy(),
        "source_line": copies["source_line"].to_numpy(),
        "source_record_id": copies["source_record_id"].to_numpy(), "stage": "map",
        "column": id_column, "reason": reason.reindex(copies["source_record_id"]).to_numpy(),
        "raw_record": pd.NA,
    }, columns=list(QUARANTINE_COLUMNS))
    kept = records.loc[~repeated].reset_index(drop=True)
    return kept, quarantine.astype(quarantine_frame().dtypes.to_dict())


def _line_list(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in sorted(lines)[:_SHOWN_LINES])
    return shown + (", …" if len(lines) > _SHOWN_LINES else "")


def record_ids(values: pd.Series) -> np.ndarray:
    """The ids as the user wrote them (trimmed): ID_PREFIX taken off source_record_id."""
    return values.astype("string").str.slice(len(ID_PREFIX)).to_numpy(object)
