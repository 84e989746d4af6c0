"""Matching assets: which accepted records are the same business, with the evidence."""

import dataclasses
from typing import Any

import dagster as dg
import pandas as pd
from pydantic import Field

from pipelines.progress import stage
from pipelines.resources import RegistryStoreResource

MATCHING_GROUP = "matching"


class MatchingConfig(dg.Config):
    """Run config of the matching step (Dagster launchpad, or `ubr run --workers`)."""

    # processes comparing candidate pairs and standardising side by side; 0: every core the
    # run may use (lower it on a machine shared with other work)
    workers: int = Field(default=0, ge=0)


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
    from matching.golden.keys import with_record_keys
    from matching.linking import link_records
    from matching.model import load_settings

    keyed = with_record_keys(records)  # record_key = "source:source_record_id", stable
    # the golden stage reads match and review pairs only: non-matches are not kept
    result = link_records(keyed, load_settings(), progress=lambda line: stage(context, line),
                          non_matches=False, workers=config.workers or None)
    model_path = store.home() / "runs" / context.run_id / "model.json"
    model_path.parent.mkdir(parents=True, exist_ok=True)
    result.model.save(model_path)
    state_path = model_path.parent / "state"  # what incremental runs and the API start from
    result.state.save(state_path)
    result = dataclasses.replace(result, state=None)  # kept once, not again between steps
    sizes = result.clusters.drop_duplicates("cluster_id")["cluster_size"]
    report = result.blocking_report
    return dg.Output(result, metadata={
        "records": len(keyed),
        "candidate_pairs": int(report.total_pairs),
        "pairs_by_blocking_rule": dg.MetadataValue.json(
            {r.rule: int(r.new_pairs) for r in report.rules}),
        # record pairs per decision: the same counts as the run's summary and `ubr run`
        "match_pairs": result.decision_counts["match"],
        "review_pairs": result.decision_counts["review"],
        "non_match_pairs": result.decision_counts["non_match"],
        "businesses": int(result.clusters["cluster_id"].nunique()),
        "largest_cluster": int(sizes.max()) if len(sizes) else 0,
        "seconds_by_stage": dg.MetadataValue.json(
            {k: round(v, 2) for k, v in result.timings.items()}),
        "model": dg.MetadataValue.path(str(model_path)),
        "match_state": dg.MetadataValue.path(str(state_path)),
    })


@dg.asset_check(asset=record_matches, name="one_cluster_per_record", blocking=True,
                description="Every accepted record is in exactly one cluster.")
def one_cluster_per_record(record_matches: Any) -> dg.AssetCheckResult:
    clusters = record_matches.clusters
    repeated = int(clusters["record_key"].duplicated().sum())
    return dg.AssetCheckResult(passed=repeated == 0, metadata={"repeated_records": repeated},
                               severity=dg.AssetCheckSeverity.ERROR)

