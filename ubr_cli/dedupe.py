"""`ubr dedupe`: deduplicate and link any CSV files with the matching engine, no labels needed.

Registered in ubr_cli/main.py. The command only reads files, maps columns and writes results;
all matching logic lives in `matching/`.
"""

import time
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
import yaml

from ubr_cli.console import console, fail

# Short names accepted in MAPPING.yaml, and the canonical fields they stand for.
FIELD_ALIASES = {
    "name": "legal_name", "address": "address_line", "zip": "postal_code",
    "postcode": "postal_code", "bn": "business_number", "telephone": "phone",
}
CANONICAL = (
    "legal_name", "operating_name", "legal_form", "business_number", "program_accounts",
    "address_line", "city", "province", "postal_code", "phone", "email",
)
KEY_SEP = "\x1f"


def _load_mapping(path: Path) -> tuple[str, dict[str, str]]:
    """The id column and canonical field -> file column, or a sentence saying what is wrong."""
    if not path.is_file():
        raise fail(f"mapping file {path} does not exist")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise fail(f"mapping file {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise fail(f"mapping file {path}: key 'id' must name the record id column")
    fields = raw.get("fields") or {}
    if not isinstance(fields, dict) or not fields:
        raise fail(f"mapping file {path}: key 'fields' must map canonical fields to columns")
    unknown = sorted(set(raw) - {"id", "fields"})
    if unknown:
        raise fail(f"mapping file {path}: unknown keys {unknown}; allowed: id, fields")
    mapped: dict[str, str] = {}
    for field, column in fields.items():
        canonical = FIELD_ALIASES.get(str(field), str(field))
        if canonical not in CANONICAL:
            allowed = ", ".join(sorted({*FIELD_ALIASES, *CANONICAL}))
            raise fail(f"mapping file {path}: key 'fields.{field}' is not a field; "
                       f"allowed: {allowed}")
        if canonical in mapped:
            raise fail(f"mapping file {path}: field {canonical!r} is mapped twice")
        mapped[canonical] = str(column)
    return raw["id"], mapped


def _file_labels(files: list[Path]) -> list[str]:
    """File names as written to the output: the base name, unless two files share it."""
    names = [f.name for f in files]
    return names if len(set(names)) == len(names) else [str(f) for f in files]


def _read(files: list[Path], labels: list[str], id_column: str,
          fields: dict[str, str]) -> pd.DataFrame:
    frames = []
    for path, label in zip(files, labels, strict=True):
        if not path.is_file():
            raise fail(f"input file {path} does not exist")
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise fail(f"input file {path} cannot be read as CSV: {exc}") from None
        for column in [id_column, *fields.values()]:
            if column not in raw.columns:
                raise fail(f"input file {path} has no column {column!r} (named in the mapping)")
        ids = raw[id_column].str.strip()
        if ids.isna().any():
            line = int(ids.isna().to_numpy().argmax()) + 2
            raise fail(f"input file {path}: the id column {id_column!r} is empty on line {line}")
        duplicated = ids[ids.duplicated()]
        if len(duplicated):
            raise fail(f"input file {path}: id {duplicated.iloc[0]!r} appears more than once "
                       f"in column {id_column!r} ({len(duplicated)} duplicate ids)")
        frame = pd.DataFrame({c: raw[col] for c, col in fields.items()})
        frame.insert(0, "record_id", ids.to_numpy())
        frame.insert(0, "file", label)
        frames.append(frame)
    records = pd.concat(frames, ignore_index=True)
    records.insert(0, "record_key", records["file"] + KEY_SEP + records["record_id"])
    return records


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV through Arrow's writer: several times faster than pandas on wide pair tables."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    frame = frame.reset_index(drop=True)
    categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    frame = frame.astype({c: "string" for c in categorical})
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="needed"))


def dedupe(
    files: Annotated[list[Path], typer.Argument(
        help="CSV files to deduplicate; several files are also linked to each other.",
        show_default=False)],
    mapping: Annotated[Path, typer.Option(
        "--mapping", "-m",
        help="YAML naming the id column and mapping fields to columns, e.g. "
             "'id: Id' and 'fields: {name: Site name, address: Address, postal_code: Zip, "
             "phone: Phone}'. Fields: name (legal name), operating_name, address, city, "
             "province, postal_code, phone, email, business_number, legal_form.",
        show_default=False)],
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Directory for clusters.csv, pairs.csv and model.json.",
        show_default=False)],
    config: Annotated[Path | None, typer.Option(
        "--config", help="Match settings YAML (default: config/matching.yaml).")] = None,
) -> None:
    """Find the records that are the same business, within and across CSV files.

    FILES are CSV files with a header row; several files are deduplicated and linked to each
    other. Trains the match model on the input itself (EM, no labels), scores candidate pairs
    and clusters them. Writes DIR/clusters.csv (file,record_id,cluster_id: one row per input
    row), DIR/pairs.csv (every scored candidate pair with its evidence) and DIR/model.json.

    Example: ubr dedupe --mapping mapping.yaml --out out/ sites_2012.csv sites_2014.csv
    """
    from matching.linker import link_records
    from matching.model import SettingsError, load_settings

    started = time.perf_counter()
    id_column, fields = _load_mapping(mapping)
    try:
        settings = load_settings(config)
    except SettingsError as exc:
        raise fail(str(exc)) from None
    labels = _file_labels(files)
    records = _read(files, labels, id_column, fields)
    console.print(f"read {len(records):,} records from {len(files)} file(s) "
                  f"in {time.perf_counter() - started:.2f}s")

    def say(message: str) -> None:
        console.print(message)

    try:
        result = link_records(records.drop(columns=["file", "record_id"]), settings, say)
    except ValueError as exc:
        raise fail(f"matching failed: {exc}") from None
    out.mkdir(parents=True, exist_ok=True)
    origin = records.set_index("record_key")[["file", "record_id"]]
    clusters = result.clusters.merge(origin, left_on="record_key", right_index=True)
    rank = clusters["cluster_id"].rank(method="dense").astype(int)
    width = len(str(int(rank.max()))) if len(rank) else 1
    clusters["cluster_id"] = "C" + rank.astype(str).str.zfill(width)
    _write_csv(clusters[["file", "record_id", "cluster_id"]], out / "clusters.csv")
    pairs = result.pairs
    left, right = origin.loc[pairs["record_key_l"]], origin.loc[pairs["record_key_r"]]
    head = pd.DataFrame({
        "file_l": left["file"].to_numpy(), "record_id_l": left["record_id"].to_numpy(),
        "file_r": right["file"].to_numpy(), "record_id_r": right["record_id"].to_numpy(),
        "match_probability": pairs["match_probability"].round(6).to_numpy(),
        "decision": pairs["decision"].to_numpy(),
    })
    evidence = pairs.drop(columns=["record_key_l", "record_key_r", "match_probability",
                                   "decision"]).reset_index(drop=True)
    _write_csv(pd.concat([head, evidence.round(4)], axis=1), out / "pairs.csv")
    result.model.save(out / "model.json")
    counts = pairs["decision"].value_counts()
    sizes = result.clusters.drop_duplicates("cluster_id")["cluster_size"]
    console.print(
        f"done in {time.perf_counter() - started:.1f}s: {len(records):,} records -> "
        f"{len(sizes):,} clusters ({int((sizes > 1).sum()):,} with several records, "
        f"largest {int(sizes.max()) if len(sizes) else 0}); pairs: {len(pairs):,} scored, "
        f"{counts.get('match', 0):,} match, {counts.get('review', 0):,} review; "
        f"blocking kept {result.blocking_report.total_pairs:,} candidate pairs. "
        f"Wrote {out}/clusters.csv, pairs.csv, model.json"
    )
