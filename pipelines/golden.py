"""The golden registry asset: one golden record and a persistent registry id per business."""

from typing import Any

import dagster as dg
import pandas as pd

from pipelines.canonical import REGISTRY_GROUP
from pipelines.progress import stage
from pipelines.resources import RegistryStoreResource


@dg.asset(
    group_name=REGISTRY_GROUP,
    ins={"records": dg.AssetIn("canonical_records"), "matches": dg.AssetIn("record_matches")},
    description="Golden records with field provenance, registry ids kept across runs, id "
    "events (created, merged, split, retired, updated, record moved), steward decisions "
    "applied, and the review queue. Written to the registry in one transaction.",
    kinds={"pandas", "sqlalchemy"},
)
def golden_records(
    context: dg.AssetExecutionContext, records: pd.DataFrame, matches: Any,
    store: RegistryStoreResource,
) -> dg.MaterializeResult:
    from matching.golden.publish import publish_golden_records
    from registry.golden_store import GoldenStore

    registry = store.open()
    run_id = store.run_id(context.run.run_id)
    summary = publish_golden_records(GoldenStore(registry), run_id, records, matches)
    events = summary["events"]
    happened = ", ".join(f"{kind} {count:,}" for kind, count in events.items() if count)
    stage(context, f"registry: {summary['businesses']:,} businesses from "
          f"{summary['records']:,} records; events: {happened or 'none'}; "
          f"{summary['pending_reviews']:,} pair(s) awaiting review")
    registry.finish_run(run_id, "succeeded", summary)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": summary["businesses"],
        "registry_run_id": run_id,
        "businesses_written": summary["businesses_written"],
        "events": dg.MetadataValue.json(events),
        "review_pairs": summary["review_pairs"],
        "pending_reviews": summary["pending_reviews"],
        "steward_constraints": dg.MetadataValue.json(summary["steward"]),
    })
