"""Report inputs from the folder `ubr dedupe --out DIR` writes (model.json, pairs.csv,
clusters.csv, blocking.json). Record keys are `file:record_id`, as the files name them."""

import json
from pathlib import Path

import pandas as pd

from matching.model import TrainedModel
from model_report.inputs import Headline, ReportError, ReportInputs, evidence_pairs

DEDUPE_FILES = ("model.json", "pairs.csv", "clusters.csv", "blocking.json")


def is_dedupe_output(folder: Path) -> bool:
    return all((folder / name).is_file() for name in DEDUPE_FILES)


def inputs_from_dedupe(folder: Path) -> ReportInputs:
    """Read what the report needs; never a field value (pairs.csv holds none)."""
    missing = [name for name in DEDUPE_FILES if not (folder / name).is_file()]
    if missing:
        raise ReportError(f"{folder} is not the output of `ubr dedupe --out`: it lacks "
                          f"{', '.join(missing)}")
    model = TrainedModel.load(folder / "model.json")
    blocking = json.loads((folder / "blocking.json").read_text(encoding="utf-8"))
    # every column as text as written (an id 'NA' stays an id); evidence_pairs converts
    pairs = pd.read_csv(folder / "pairs.csv", dtype=str, keep_default_na=False)
    clusters = pd.read_csv(folder / "clusters.csv", dtype=str, keep_default_na=False,
                           usecols=["cluster_id"])
    keys = ["file_l", "record_id_l", "file_r", "record_id_r"]
    evidence = pairs.drop(columns=keys).replace("", pd.NA)
    left = pairs["file_l"] + ":" + pairs["record_id_l"]
    right = pairs["file_r"] + ":" + pairs["record_id_r"]
    decisions = model.score_summary.get("decisions", {})
    headline = Headline(records=int(blocking["records"]),
                        candidate_pairs=int(blocking["candidate_pairs"]),
                        match_pairs=int(decisions.get("match", 0)),
                        review_pairs=int(decisions.get("review", 0)),
                        businesses=int(clusters["cluster_id"].nunique()))
    return ReportInputs(source=f"ubr dedupe output {folder}", model=model, headline=headline,
                        pairs=evidence_pairs(left, right, evidence),
                        cluster_sizes=clusters["cluster_id"].value_counts().to_numpy(),
                        blocking=blocking.get("rules"))
