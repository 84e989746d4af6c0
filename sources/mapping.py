"""Map a source's raw rows onto the canonical schema, as its configuration says.

Vectorised over whole columns. A row whose id cannot be formed, whose date or number does not
parse, or whose value is longer than its field's limit (canonical/field_limits.py) goes to
quarantine with every problem named; the others become canonical records. Reasons name
columns, formats and limits, never a value.
"""

import pandas as pd

from canonical.field_limits import max_lengths
from canonical.quarantine import quarantine_frame, raw_json
from canonical.schema import DATE_FIELDS, conform, empty_canonical_frame
from sources.config import SourceConfig
from sources.readers.raw import LINE_COLUMN, RawFile, SourceIngestError

_ISO = "ISO8601"


def _clean(values: pd.Series) -> pd.Series:
    """Trim blanks; an empty string is a missing value."""
    values = values.astype("string").str.strip()
    return values.mask(values == "")


def _parse_dates(values: pd.Series, fmt: str | None) -> pd.Series:
    """Parse with the configured format, falling back to ISO (typed workbook cells)."""
    parsed = pd.to_datetime(values, format=fmt or _ISO, errors="coerce")
    retry = values.notna() & parsed.isna()
    if fmt and retry.any():
        parsed = parsed.mask(retry, pd.to_datetime(values[retry], format=_ISO, errors="coerce"))
    return parsed


def check_columns(config: SourceConfig, raw: RawFile) -> None:
    """Fail the whole source when a column it needs is not in the file.

    The names found are not shown: when the file lacks its header line, they are the first
    record's values (a person's name, an address). Counts and the configured names are safe.
    """
    required = config.required_columns
    missing = [c for c in required if c not in raw.columns]
    if not missing:
        return
    message = (
        f"source '{config.id}': {raw.path} has no column {', '.join(map(repr, missing))} "
        f"(required by config/sources.yaml); it has {len(raw.columns)} column(s), "
        f"{len(required) - len(missing)} of the {len(required)} required among them."
    )
    if raw.header_line and len(missing) == len(required):
        message += (
            " None of the required columns is in its first line: the file may lack its header "
            "line (the first line must name the columns), or its columns were renamed. The "
            "names found are not shown, since that line may be data."
        )
    raise SourceIngestError(message)


def record_hashes(rows: pd.DataFrame, columns: list[str]) -> pd.Series:
    """A stable 64-bit hash of each raw row: a changed record gets a new hash."""
    hashed = pd.util.hash_pandas_object(rows[columns], index=False)
    return pd.Series(hashed.map("{:016x}".format).to_numpy(), index=rows.index, dtype="string")


def map_to_canonical(config: SourceConfig, raw: RawFile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (canonical records, quarantine rows) for one raw file."""
    check_columns(config, raw)
    rows = raw.rows
    if rows.empty:
        return empty_canonical_frame(), quarantine_frame()
    problems: list[tuple[pd.Series, str, str]] = []  # (row mask, column, reason)
    limits = max_lengths(config.max_lengths)

    def limit(field: str, values: pd.Series, column: str) -> None:
        """Too long for its field: quarantined, the reason naming column and limit only."""
        most = limits[field]
        too_long = (values.str.len() > most).fillna(False).astype(bool)
        problems.append((too_long, column, (
            f"value in column '{column}' is longer than {most:,} characters, the limit for "
            f"{field} (max_lengths in config/sources.yaml)")))

    def column(name: str) -> pd.Series:
        if name in rows.columns:
            return _clean(rows[name])
        return pd.Series(pd.NA, index=rows.index, dtype="string")

    id_parts = [column(c) for c in config.record_id.columns]
    for name, part in zip(config.record_id.columns, id_parts, strict=True):
        problems.append((part.isna(), name, f"record id column '{name}' is empty"))
    record_id = (config.record_id.prefix or config.id) + ":" + id_parts[0]
    for part in id_parts[1:]:
        record_id = record_id + ":" + part
    limit("source_record_id", record_id, ",".join(config.record_id.columns))

    out: dict[str, pd.Series] = {
        "source": pd.Series(config.id, index=rows.index, dtype="string"),
        "source_record_id": record_id,
        "source_file": pd.Series(raw.path, index=rows.index, dtype="string"),
        "source_line": rows[LINE_COLUMN],
        "record_hash": record_hashes(rows, raw.columns),
    }
    for field, source_column in config.mapping.items():
        values = column(source_column)
        if field in config.value_maps:
            values = values.replace(config.value_maps[field])
        if field in DATE_FIELDS:
            fmt = config.date_formats.get(field)
            parsed = _parse_dates(values, fmt)
            problems.append((
                values.notna() & parsed.isna(), source_column,
                f"value in column '{source_column}' is not a date in the format {fmt or _ISO}",
            ))
            values = parsed
        else:
            limit(field, values, source_column)
        out[field] = values
    for field, constant in config.constants.items():
        out[field] = pd.Series(constant, index=rows.index, dtype="string")
    for name in config.number_columns:
        values = column(name)
        bad = values.notna() & pd.to_numeric(values, errors="coerce").isna()
        problems.append((bad, name, f"value in column '{name}' is not a number"))

    records = pd.DataFrame(out)
    failed = pd.Series(False, index=rows.index)
    for mask, _, _ in problems:
        failed |= mask
    quarantine = _quarantine_rows(config, raw, records, failed, problems)
    return conform(records.loc[~failed].reset_index(drop=True)), quarantine


def _quarantine_rows(
    config: SourceConfig, raw: RawFile, records: pd.DataFrame, failed: pd.Series,
    problems: list[tuple[pd.Series, str, str]],
) -> pd.DataFrame:
    """One quarantine row per failed record, naming every problem it has."""
    rows = []
    longest_id = max_lengths(config.max_lengths)["source_record_id"]
    for index in failed.index[failed]:
        hits = [(c, r) for mask, c, r in problems if mask[index]]
        raw_row = raw.rows.loc[index, raw.columns]
        rows.append({
            "source": config.id,
            "source_file": raw.path,
            "source_line": int(raw.rows.at[index, LINE_COLUMN]),
            "source_record_id": _bounded_id(records.at[index, "source_record_id"], longest_id),
            "stage": "map",
            "column": ",".join(dict.fromkeys(c for c, _ in hits)),
            "reason": "; ".join(r for _, r in hits),
            "raw_record": raw_json({k: (None if pd.isna(v) else v) for k, v in raw_row.items()}),
        })
    return quarantine_frame(rows)


def _bounded_id(record_id: object, longest: int) -> str | None:
    """The record id, or None when it is over its limit (that is why the row is here)."""
    if not isinstance(record_id, str) or len(record_id) > longest:
        return None
    return record_id
