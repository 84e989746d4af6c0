"""Matching assets: which accepted records are the same business, with the evidence."""

import dataclasses
from typing import Any, Literal

import dagster as dg
import pandas as pd
from pydantic import Field

from matching.current_state import current_state, state_folder
from pipelines.progress import stage
from pipelines.resources import RegistryStoreResource

MATCHING_GROUP = "matching"


class MatchingConfig(dg.Config):
    """Run config of the matching step (Dagster launchpad, or `ubr run --workers`)."""

    # processes comparing candidate pairs and standardising side by side; 0: every core the
    # run may use (lower it on a machine shared with other work)
    workers: int = Field(default=0, ge=0)
    # retrain the model and match every record again, even when the last run's match state
    # could be updated with the day's changes (`ubr run --full`)
    full: bool = False
    # where a full run standardises, compares and scores: 'local' (processes on this machine)
    # or 'dask' (the cluster at dask_scheduler, or a local cluster of `workers` processes);
    # the same answer either way (docs/scale-out.md). Incremental runs stay local: a day's
    # changes are too few to be worth shipping.
    engine: Literal["local", "dask"] = "local"
    dask_scheduler: str = ""


@dg.asset(
    group_name=MATCHING_GROUP,
    ins={"records": dg.AssetIn("canonical_records")},
    description="Standardise, block, compare, score (Fellegi-Sunter trained by EM), decide and "
    "cluster the accepted records. Keeps the evidence of every match and review record pair, "
    "the trained model and the match state.",
    kinds={"pandas", "rapidfuzz"},
)
def record_matches(
    context: dg.AssetExecutionContext, config: MatchingConfig, records: pd.DataFrame,
    store: RegistryStoreResource,
) -> dg.Output[Any]:
    from matching.executors import executor_for
    from matching.golden.keys import with_record_keys
    from matching.incremental import changes_since, link_changes, when_to_retrain
    from matching.linking import link_records
    from matching.model import load_settings
    from model_report.link_result import write_run_report
    from registry.golden_store import GoldenStore
    from registry.steward_desk import StewardDesk

    keyed = with_record_keys(records)  # record_key = "source:source_record_id", stable
    settings = load_settings()
    golden = GoldenStore(store.open())
    previous, why_full = current_state(store.home(), golden.latest_golden_run())
    changes = None
    if config.full:
        why_full = "a full run was asked for"
    elif previous is not None:
        changes = changes_since(previous, keyed)
        why_full = when_to_retrain(previous, changes, settings)
    progress = lambda line: stage(context, line)  # noqa: E731
    if why_full is None:
        stage(context, f"incremental run: {changes.summary()} since the last run")
        result = link_changes(keyed, previous, changes, progress, config.workers or None)
    else:
        stage(context, f"full run: {why_full}")
        # the golden stage reads match and review pairs only: non-matches are not kept
        with executor_for(config.engine, config.dask_scheduler or None,
                          config.workers or None) as executor:
            if executor.distributed:
                stage(context, f"engine: Dask, {executor.workers} worker(s)")
            # the stewards' same/different decisions in force teach the model as labels
            labels = StewardDesk(golden).labels()
            if len(labels):
                stage(context, f"steward decisions as labels: {len(labels):,} pairs")
            result = link_records(keyed, settings, progress=progress, non_matches=False,
                                  workers=config.workers or None, executor=executor,
                                  labels=labels)
    del previous
    model_path = store.home() / "runs" / context.run_id / "model.json"
    model_path.parent.mkdir(parents=True, exist_ok=True)
    result.model.save(model_path)
    state_path = state_folder(store.home(), context.run_id)  # incremental runs start from it
    result.state.save(state_path)
    result = dataclasses.replace(result, state=None)  # kept once, not again between steps
    # the model report beside the model: one offline page (docs/model-report.md)
    page = write_run_report(result, model_path.parent, f"Dagster run {context.run_id}")
    if page.problem:
        context.log.warning(f"no model report: {page.problem}")
    sizes = result.clusters.drop_duplicates("cluster_id")["cluster_size"]
    report = result.blocking_report
    incremental = result.incremental
    return dg.Output(result, metadata={
        "mode": "incremental" if incremental else "full",
        "full_run_because": why_full or "",
        "records_by_change": dg.MetadataValue.json(
            incremental.counts() if incremental else {"new": len(keyed)}),
        "changes_by_source": dg.MetadataValue.json(
            incremental.changes.by_source() if incremental else {}),
        "records": len(keyed),
        "candidate_pairs": int(report.total_pairs),
        "pairs_by_blocking_rule": dg.MetadataValue.json(
            {r.rule: int(r.new_pairs) for r in report.rules}),
        # record pairs per decision: the same counts as the run's summary and `ubr run`
        "match_pairs": result.decision_counts["match"],
        "review_pairs": result.decision_counts["review"],
        "non_match_pairs": result.decision_counts["non_match"],
        # the model's own estimate (matching/estimated_quality.py), of the run that trained it
        "estimated_quality": dg.MetadataValue.json(result.model.estimated_quality),
        "businesses": int(result.clusters["cluster_id"].nunique()),
        "largest_cluster": int(sizes.max()) if len(sizes) else 0,
        "seconds_by_stage": dg.MetadataValue.json(
            {k: round(v, 2) for k, v in result.timings.items()}),
        "model": dg.MetadataValue.path(str(model_path)),
        "match_state": dg.MetadataValue.path(str(state_path)),
        **_report_metadata(page),
    })


def _report_metadata(page: Any) -> dict[str, Any]:
    """Where the model report is, and its headline figures (counts and shares only)."""
    if page.path is None:
        return {}
    return {"model_report": dg.MetadataValue.path(str(page.path)),
            "model_report_url": dg.MetadataValue.url(page.path.resolve().as_uri()),
            "model_report_headline": dg.MetadataValue.json(page.figures)}


@dg.asset_check(asset=record_matches, name="one_cluster_per_record", blocking=True,
                description="Every accepted record is in exactly one cluster.")
def one_cluster_per_record(record_matches: Any) -> dg.AssetCheckResult:
    clusters = record_matches.clusters
    repeated = int(clusters["record_key"].duplicated().sum())
    return dg.AssetCheckResult(passed=repeated == 0, metadata={"repeated_records": repeated},
                               severity=dg.AssetCheckSeverity.ERROR)

