"""`ubr dedupe`: deduplicate and link any CSV files with the matching engine, no labels needed.

Registered in ubr_cli/main.py. The command only reads files, maps columns and writes results;
all matching logic lives in `matching/`.
"""

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import pandas as pd
import typer
import yaml

from ubr_cli.console import console, fail

if TYPE_CHECKING:
    from matching.linker import LinkResult

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
PAIRS_FLOOR = 0.01  # non-matches below this probability are left out of pairs.csv by default


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


def _read_csv(path: Path) -> pd.DataFrame:
    """All columns as strings, empty cells missing. Arrow's reader is several times faster;
    a file it cannot read goes through pandas' own parser, whose errors name the problem."""
    options = {"dtype": str, "keep_default_na": False, "na_values": [""]}
    try:
        return pd.read_csv(path, engine="pyarrow", **options)
    except Exception:  # noqa: BLE001 - any failure: let the C parser give the error sentence
        return pd.read_csv(path, **options)


def _read(files: list[Path], labels: list[str], id_column: str,
          fields: dict[str, str]) -> pd.DataFrame:
    frames = []
    for path, label in zip(files, labels, strict=True):
        if not path.is_file():
            raise fail(f"input file {path} does not exist")
        try:
            raw = _read_csv(path)
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
    """CSV through Arrow's writer: several times faster than pandas on wide pair tables.

    Ids and file names come from the user's files: formula-like cells are made inert first."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    from registry.csv_safety import neutralise_formulas

    frame = frame.reset_index(drop=True)
    categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    frame = neutralise_formulas(frame.astype({c: "string" for c in categorical}))
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
    all_pairs: Annotated[bool, typer.Option(
        "--all-pairs", help="Write every scored candidate pair to pairs.csv (for measuring "
        "blocking recall; large on big inputs).")] = False,
    min_probability: Annotated[float, typer.Option(
        "--min-probability", min=0.0, max=1.0,
        help="Without --all-pairs, pairs.csv keeps match and review pairs and the non-matches "
             "at or above this match probability.")] = PAIRS_FLOOR,
    candidates: Annotated[bool, typer.Option(
        "--candidates", help="Also write candidate_pairs.parquet and candidate_records.parquet: "
        "every candidate pair the engine scored (representatives, as record positions), to "
        "measure blocking recall cheaply.")] = False,
    state: Annotated[Path | None, typer.Option(
        "--state", help="Also write the match state to this directory (trained model, "
        "population statistics, prepared records with their blocking keys; Parquet + JSON), "
        "so later records can be matched against this run without redoing it.",
        show_default=False)] = None,
) -> None:
    """Find the records that are the same business, within and across CSV files.

    FILES are CSV files with a header row; several files are deduplicated and linked to each
    other. Trains the match model on the input itself (EM, no labels), scores candidate pairs
    and clusters them. Writes DIR/clusters.csv (file,record_id,cluster_id: one row per input
    row), DIR/pairs.csv (match and review pairs and non-matches at or above
    --min-probability, with their evidence; every candidate pair with --all-pairs),
    DIR/blocking.json (candidate pairs per blocking rule) and DIR/model.json.

    Example: ubr dedupe --mapping mapping.yaml --out out/ sites_2012.csv sites_2014.csv
    """
    from matching.linking import link_records
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
        result = link_records(records.drop(columns=["file", "record_id"]), settings, say,
                              min_probability=None if all_pairs else min_probability)
    except ValueError as exc:
        raise fail(f"matching failed: {exc}") from None
    write_start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    clusters = result.clusters.assign(file=records["file"].to_numpy(),
                                      record_id=records["record_id"].to_numpy())
    rank = clusters["cluster_id"].rank(method="dense").astype(int)
    width = len(str(int(rank.max()))) if len(rank) else 1
    clusters["cluster_id"] = "C" + rank.astype(str).str.zfill(width)
    _write_csv(clusters[["file", "record_id", "cluster_id"]], out / "clusters.csv")
    pairs = result.pairs
    position = pd.Index(records["record_key"].to_numpy())
    left = position.get_indexer(pairs["record_key_l"].to_numpy())
    right = position.get_indexer(pairs["record_key_r"].to_numpy())
    file, record_id = records["file"].to_numpy(object), records["record_id"].to_numpy(object)
    head = pd.DataFrame({
        "file_l": file[left], "record_id_l": record_id[left],
        "file_r": file[right], "record_id_r": record_id[right],
        "match_probability": pairs["match_probability"].round(6).to_numpy(),
        "decision": pairs["decision"].to_numpy(),
    })
    evidence = pairs.drop(columns=["record_key_l", "record_key_r", "match_probability",
                                   "decision"]).reset_index(drop=True)
    _write_csv(pd.concat([head, evidence.round(4)], axis=1), out / "pairs.csv")
    report = result.blocking_report
    blocking = {"records": len(records), "linked_records": report.n_records,
                "identical_records_collapsed": result.collapse.collapsed if result.collapse
                else 0,
                "candidate_pairs": int(report.total_pairs),
                "rules": [{k: int(v) if k != "rule" else v for k, v in r.__dict__.items()}
                          for r in report.rules]}
    (out / "blocking.json").write_text(json.dumps(blocking, indent=2))
    if candidates and result.candidates is not None:
        _write_candidates(out / "candidate_pairs.parquet", result, file, record_id)
    result.model.save(out / "model.json")
    if state is not None and result.state is not None:
        result.state.save(state)
    counts = result.decision_counts
    sizes = result.clusters.drop_duplicates("cluster_id")["cluster_size"]
    console.print(
        f"done in {time.perf_counter() - started:.1f}s "
        f"(writing {time.perf_counter() - write_start:.1f}s): "
        f"{len(records):,} records -> "
        f"{len(sizes):,} clusters ({int((sizes > 1).sum()):,} with several records, "
        f"largest {int(sizes.max()) if len(sizes) else 0}); "
        f"{counts.get('match', 0):,} match, {counts.get('review', 0):,} review pairs; "
        f"blocking kept {report.total_pairs:,} candidate pairs, pairs.csv {len(pairs):,} rows. "
        f"Wrote {out}/clusters.csv, pairs.csv, blocking.json, model.json"
        + (f"; match state in {state}" if state is not None else "")
    )


def _write_candidates(path: Path, result: "LinkResult", file: np.ndarray,
                      record_id: np.ndarray) -> None:
    """Candidate pairs as record positions `l`, `r` (int32) into `candidate_records.parquet`
    (`pos`, `file`, `record_id`), with `identical` rows mapping each collapsed record (`r`) to
    its representative (`l`): a pair of representatives stands for every pair of the records
    they represent. Integers, not strings: tens of millions of pairs write in seconds."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    left, right = result.candidates
    identical = np.zeros(len(left), bool)
    if result.collapse is not None and result.collapse.collapsed:
        rep, member = result.collapse.member_pairs()
        left, right = np.concatenate([left, rep]), np.concatenate([right, member])
        identical = np.concatenate([identical, np.ones(len(rep), bool)])
    pq.write_table(pa.table({"l": left.astype(np.int32), "r": right.astype(np.int32),
                             "identical": identical}), path)
    pq.write_table(pa.table({"pos": np.arange(len(file), dtype=np.int32),
                             "file": pa.array(file, pa.string()),
                             "record_id": pa.array(record_id, pa.string())}),
                   path.with_name("candidate_records.parquet"))
