"""`ubr dedupe`: deduplicate and link any CSV files with the matching engine, no labels needed.

Registered in ubr_cli/main.py. The command only wires packages and writes results: files are
read like registers by `sources.adhoc` (the pipeline's reader and mapping), SINs removed by
`expectations.intake`, and all matching logic lives in `matching/`.
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import pandas as pd
import typer

from ubr_cli.console import console, fail
from ubr_cli.engine_options import Engine, EngineOption, SchedulerOption, check_engine
from ubr_cli.progress import progress_bar

if TYPE_CHECKING:
    from matching.linker import LinkResult
    from sources.adhoc import AdhocMapping

KEY_SEP = "\x1f"
PAIRS_FLOOR = 0.01  # non-matches below this probability are left out of pairs.csv by default
QUARANTINE_CSV = ("file", "line", "record_id", "column", "reason")  # never the raw row


def _load_mapping(path: Path) -> "AdhocMapping":
    """The validated mapping file, or a sentence naming the file and the key."""
    from canonical.config_files import ConfigError
    from sources.adhoc import load_adhoc_mapping

    try:
        return load_adhoc_mapping(path)
    except ConfigError as exc:
        raise fail(f"mapping file {exc}") from None


def _file_labels(files: list[Path]) -> list[str]:
    """File names as written to the output: the base name, unless two files share it."""
    names = [f.name for f in files]
    return names if len(set(names)) == len(names) else [str(f) for f in files]


@dataclass
class Intake:
    """What the input files yielded: records to link, and every row that was held back."""

    records: pd.DataFrame  # record_key, file, record_id and the mapped canonical fields
    quarantine: pd.DataFrame  # QUARANTINE_CSV
    rows_read: int
    sins_removed: pd.Series  # values removed per canonical field (SIN-like numbers)


def _read(files: list[Path], labels: list[str], mapping: "AdhocMapping") -> Intake:
    """Each file through the sources reader and mapping, SINs removed at intake."""
    from canonical.config_files import ConfigError
    from expectations.intake import remove_sins
    from expectations.settings import load_expectation_settings
    from sources.adhoc import ADHOC_SOURCE, read_adhoc
    from sources.readers import SourceIngestError

    if len({p.resolve() for p in files}) < len(files):
        raise fail("the same input file is named more than once; name each file once")
    try:
        rules = load_expectation_settings()
    except ConfigError as exc:
        raise fail(str(exc)) from None
    frames, held, removed, rows_read = [], [], [], 0
    for path, label in zip(files, labels, strict=True):
        try:
            batch = read_adhoc(mapping, path)
        except SourceIngestError as exc:
            raise fail(str(exc)) from None
        sins = remove_sins(ADHOC_SOURCE, batch.records, batch.quarantine, rules)
        records, lost = sins.records, sins.records["source_record_id"].isna().to_numpy(bool)
        removed.append(sins.fields_by_row[~lost])
        held.append(_held_rows(label, sins.quarantine, records.loc[lost], mapping))
        frames.append(_linked_frame(label, records.loc[~lost], mapping))
        rows_read += batch.rows_read
    records = pd.concat(frames, ignore_index=True)
    records.insert(0, "record_key", records["file"] + KEY_SEP + records["record_id"])
    fields = pd.concat(removed, ignore_index=True)
    fields = fields[fields != ""].str.split(";").explode().value_counts()
    return Intake(records, pd.concat(held, ignore_index=True), rows_read, fields)


def _linked_frame(label: str, records: pd.DataFrame, mapping: "AdhocMapping") -> pd.DataFrame:
    """The columns the matcher reads, under the user's file name and record id."""
    from sources.adhoc import record_ids

    frame = records[list(mapping.fields)].reset_index(drop=True)
    frame.insert(0, "record_id", record_ids(records["source_record_id"]))
    frame.insert(0, "file", label)
    return frame


def _held_rows(label: str, quarantine: pd.DataFrame, lost: pd.DataFrame,
               mapping: "AdhocMapping") -> pd.DataFrame:
    """quarantine.csv rows: where each held-back row is and why, never its values.

    `lost`: records whose id was a SIN-like number, removed at intake; without an id a record
    cannot be linked or named in clusters.csv. An id kept here is scanned again."""
    from expectations.sin import scan_and_remove
    from sources.adhoc import ID_PREFIX, adhoc_reasons, record_ids

    sin_id = (f"record id in column '{mapping.id}' is a number shaped like a social insurance "
              "number, removed at intake: give the record another id")

    def both(held: pd.Series, added: object) -> pd.Series:
        extra = pd.Series(added, index=lost.index, dtype=held.dtype)
        return pd.concat([held, extra], ignore_index=True)

    frame = pd.DataFrame({
        "file": label,
        "line": both(quarantine["source_line"], lost["source_line"].to_numpy()),
        "record_id": both(quarantine["source_record_id"], pd.NA),
        "column": both(quarantine["column"], mapping.id),
        "reason": both(adhoc_reasons(quarantine["reason"], mapping), sin_id),
    }, columns=list(QUARANTINE_CSV))
    ids = frame["record_id"]
    frame["record_id"] = pd.Series(record_ids(ids), dtype="string").where(
        ids.str.startswith(ID_PREFIX).fillna(False).to_numpy(bool))
    frame["record_id"] = scan_and_remove(frame[["record_id"]]).cleaned["record_id"]
    return frame


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
             "province, postal_code, phone, email, business_number, legal_form, "
             "program_accounts. Optional 'max_lengths: {name: 500}' raises a field's size "
             "limit (docs/matching.md).",
        show_default=False)],
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Directory for clusters.csv, pairs.csv, model.json and "
        "quarantine.csv.",
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
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Processes standardising and comparing side by side "
        "(default: every core this process may use); with --engine dask and no --scheduler, "
        "the local cluster's workers.", show_default=False)] = None,
    link_only: Annotated[bool, typer.Option(
        "--link-only", help="Link the files to each other only: records of the same file are "
        "never paired (each file is free of duplicates, e.g. two guides or two agencies' "
        "lists). Needs two files or more.")] = False,
    one_to_one: Annotated[bool, typer.Option(
        "--one-to-one", help="With --link-only: a cluster holds at most one record of each "
        "file (each record matches at most one record of every other file).")] = False,
    labels_file: Annotated[Path | None, typer.Option(
        "--labels", help="Pairs a person checked (file_l, record_id_l, file_r, record_id_r, "
        "match: 1/0, yes/no): their matches refine the model and they choose the auto-match "
        "threshold. Fill in to_label.csv (--propose) and pass it here.",
        show_default=False)] = None,
    propose: Annotated[int, typer.Option(
        "--propose", min=0, help="Write DIR/to_label.csv: the N pairs the model is least "
        "sure of, none labelled yet, for a person to label (active learning).")] = 0,
    engine: EngineOption = Engine.local,
    scheduler: SchedulerOption = None,
) -> None:
    """Find the records that are the same business, within and across CSV files.

    FILES are CSV files with a header row; several files are deduplicated and linked to each
    other. Trains the match model on the input itself (EM, no labels), scores candidate pairs
    and clusters them. Writes DIR/clusters.csv (file,record_id,cluster_id: one row per record
    linked), DIR/pairs.csv (match and review pairs and non-matches at or above
    --min-probability, with their evidence; every candidate pair with --all-pairs),
    DIR/blocking.json (candidate pairs per blocking rule), DIR/model.json and
    DIR/quarantine.csv (file,line,record_id,column,reason: every input row that was not linked
    (unreadable line, control character, value over its size limit, empty or repeated id),
    never its values). SIN-like numbers are removed from the records as they are read.

    Example: ubr dedupe --mapping mapping.yaml --out out/ sites_2012.csv sites_2014.csv
    """
    from matching.executors import ClusterError, executor_for
    from matching.link_shape import link_only_advice
    from matching.linking import link_records
    from matching.model import SettingsError, load_settings
    from registry.csv_safety import write_safe_csv

    started = time.perf_counter()
    contradiction = check_engine(engine, scheduler)
    if contradiction:
        raise fail(contradiction)
    if link_only and len(files) < 2:
        raise fail("--link-only links files to each other: name two files or more")
    if one_to_one and not link_only:
        raise fail("--one-to-one applies to --link-only runs: add --link-only")
    adhoc = _load_mapping(mapping)
    try:
        settings = load_settings(config)
    except SettingsError as exc:
        raise fail(str(exc)) from None
    labels = _file_labels(files)
    with progress_bar(f"reading {len(files)} file(s)"):
        intake = _read(files, labels, adhoc)
    records = intake.records
    console.print(f"read {len(records):,} records from {len(files)} file(s) "
                  f"in {time.perf_counter() - started:.2f}s")
    out.mkdir(parents=True, exist_ok=True)
    held = len(intake.quarantine)
    write_safe_csv(intake.quarantine, out / "quarantine.csv")
    if held:
        console.print(f"quarantined {held:,} of {intake.rows_read:,} rows read (not linked): "
                      f"listed with file, line and reason in {out}/quarantine.csv")
    if len(intake.sins_removed):
        named = ", ".join(f"{field} {n:,}" for field, n in intake.sins_removed.items())
        console.print(f"removed {int(intake.sins_removed.sum()):,} SIN-like value(s) at intake "
                      f"({named}); those records are linked without them")
    if records.empty:
        raise fail(f"no record to link: all {intake.rows_read:,} rows read were quarantined; "
                   f"see {out}/quarantine.csv")
    labelled = None
    if labels_file is not None:
        from matching.labels import LabelError
        from ubr_cli.dedupe_labels import read_labels

        try:
            labelled = read_labels(labels_file, KEY_SEP)
        except LabelError as exc:
            raise fail(str(exc)) from None

    try:
        with (progress_bar(f"matching {len(records):,} records") as steps,
              executor_for(engine.value, scheduler, workers) as executor):
            if executor.distributed:
                steps.say(f"engine: Dask, {executor.workers} worker(s)"
                          + (f" at {scheduler}" if scheduler else " on a local cluster"))
            result = link_records(records.drop(columns=["file", "record_id"]), settings,
                                  steps.say,
                                  min_probability=None if all_pairs else min_probability,
                                  workers=workers, executor=executor,
                                  link_only=records["file"].to_numpy() if link_only else None,
                                  one_to_one=one_to_one, labels=labelled)
    except (ConnectionError, ClusterError) as exc:
        raise fail(str(exc)) from None
    except ValueError as exc:
        raise fail(f"matching failed: {exc}") from None
    write_start = time.perf_counter()
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
    if propose:
        from ubr_cli.dedupe_labels import write_proposals

        proposed = write_proposals(head, pairs[["record_key_l", "record_key_r"]], propose,
                                   labelled, out / "to_label.csv")
        console.print(f"proposed {proposed:,} pairs to label in {out}/to_label.csv: fill in "
                      "the match column and run again with --labels")
    if not link_only:
        advice = link_only_advice(head["file_l"].to_numpy(object),
                                  head["file_r"].to_numpy(object),
                                  (head["decision"] == "match").to_numpy(bool), len(files))
        if advice:
            console.print(advice)
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
        f"{held:,} rows quarantined. "
        f"Wrote {out}/clusters.csv, pairs.csv, blocking.json, model.json, quarantine.csv"
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
