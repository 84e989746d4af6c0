"""Report inputs from a registry run: the model.json the run saved under
`<home>/runs/<dagster run id>/`, its match and review pairs (`match_evidence`), its golden
summary (`golden_runs`) and the sizes of the registry's active businesses."""

from pathlib import Path

import numpy as np
import pandas as pd

from matching.model import TrainedModel
from model_report.inputs import Headline, ReportError, ReportInputs, evidence_pairs
from registry.golden_store import GoldenStore
from registry.store import RegistryStore

MODEL_FILE = "model.json"


def run_folder(home: Path, dagster_run_id: str) -> Path:
    """Where a pipeline run keeps its model (and its match state and model report)."""
    return home / "runs" / dagster_run_id


def resolve_run(store: RegistryStore, run_id: str | None) -> dict:
    """The runs row of a registry run id or a Dagster run id; default the latest published."""
    if run_id is None:
        run_id = GoldenStore(store).latest_golden_run()
        if run_id is None:
            raise ReportError("the registry has no published run yet: `ubr run` first, or "
                              "name a dedupe output with --from-dedupe")
    run = store.get_run(run_id) or store.find_dagster_run(run_id)
    if run is None:
        raise ReportError(f"no registry run or Dagster run with id {run_id!r}")
    if not run.get("dagster_run_id"):
        raise ReportError(f"run {run['run_id']} was not a pipeline run: it kept no model")
    return run


def inputs_from_run(store: RegistryStore, home: Path, run_id: str | None = None) -> ReportInputs:
    """The run's own model, pairs and counts; cluster sizes are the registry's now."""
    run = resolve_run(store, run_id)
    path = run_folder(home, run["dagster_run_id"]) / MODEL_FILE
    if not path.is_file():
        raise ReportError(f"run {run['run_id']} kept no model at {path} (is --home right?)")
    model = TrainedModel.load(path)
    golden = GoldenStore(store)
    summary = golden.table("golden_runs", run_id=run["run_id"])
    if summary.empty:
        raise ReportError(f"run {run['run_id']} published no golden records")
    figures = dict(summary["summary"].iloc[0])
    rows = golden.table("match_evidence", run_id=run["run_id"])
    evidence = pd.DataFrame(list(rows["evidence"]), index=rows.index).drop(
        columns=["rule"], errors="ignore")
    evidence = evidence.assign(
        match_weight=rows["match_weight"], match_probability=rows["match_probability"],
        decision=rows["decision"], rule=rows["rule"])
    sizes = golden.table("businesses", ["member_count"], status="active")["member_count"]
    latest = golden.latest_golden_run() == run["run_id"]
    headline = Headline(records=int(figures["records"]),
                        candidate_pairs=int(model.n_blocked_pairs),
                        match_pairs=int(figures["match_pairs"]),
                        review_pairs=int(figures["review_pairs"]),
                        businesses=int(figures["businesses"]))
    return ReportInputs(
        source=f"registry run {run['run_id']} (Dagster run {run['dagster_run_id']})"
        + ("" if latest else "; cluster sizes are the registry's current businesses"),
        model=model, headline=headline,
        pairs=evidence_pairs(rows["record_key_l"], rows["record_key_r"], evidence),
        cluster_sizes=np.asarray(sizes, dtype=np.int64))
