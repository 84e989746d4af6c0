"""The golden registry asset: one golden record and a persistent registry id per business."""

from typing import Any

import dagster as dg
import pandas as pd

from matching.current_state import mark_current_state
from pipelines.canonical import REGISTRY_GROUP
from pipelines.lineage import golden_column_lineage
from pipelines.memory import release_unused_memory
from pipelines.progress import stage
from pipelines.resources import RegistryStoreResource

AUDIT_RECORD_COLUMNS = ("source", "source_record_id", "business_number", "program_accounts")


@dg.asset(
    group_name=REGISTRY_GROUP,
    ins={"records": dg.AssetIn("canonical_records"), "matches": dg.AssetIn("record_matches")},
    description="Golden records with field provenance, registry ids kept across runs, id "
    "events (created, merged, split, retired, updated, record moved), steward decisions "
    "applied, and the review queue. Written to the registry in one transaction; consumers "
    "see it once `registry_publication` publishes it.",
    kinds={"pandas", "sqlalchemy"},
)
def golden_records(
    context: dg.AssetExecutionContext, records: pd.DataFrame, matches: Any,
    store: RegistryStoreResource,
) -> dg.MaterializeResult:
    from matching.golden.incremental import plan_touched_run, touched_scope
    from matching.golden.publish import pair_summary, plan_golden_run
    from registry.golden_store import GoldenStore

    registry = store.open()
    run_id = store.run_id(context.run.run_id)
    golden = GoldenStore(registry)
    previous = golden.previous_state()
    decisions = golden.steward_decisions()
    incremental = getattr(matches, "incremental", None)
    if incremental is None:
        changes = plan_golden_run(run_id, records, matches, previous, decisions,
                                  golden.provenance)
    else:  # only the businesses the day's changes (or new steward decisions) touch
        since = golden.last_published_at()
        judged = decisions[decisions["at"] > since] if since is not None else decisions
        touched = [*incremental.touched_keys, *judged["record_key_l"], *judged["record_key_r"]]
        scope = touched_scope(touched, matches.clusters, previous.cross_reference, decisions)
        changes = plan_touched_run(run_id, records, matches, previous, decisions,
                                   golden.provenance, golden.review_queue(), scope)
        stage(context, f"registry: {len(scope):,} records in the businesses the changes touch")
    del records, matches
    release_unused_memory()  # the plan's working frames, before the write builds its rows
    golden.apply_run(run_id, changes)
    mark_current_state(store.home(), run_id, context.run.run_id)
    summary = changes.summary
    events = summary["events"]
    happened = ", ".join(f"{kind} {count:,}" for kind, count in events.items() if count)
    stage(context, f"registry: {summary['businesses']:,} businesses from "
          f"{summary['records']:,} records; events: {happened or 'none'}; "
          f"{pair_summary(summary)}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": summary["businesses"],
        "registry_run_id": run_id,
        "businesses_written": summary["businesses_written"],
        "events": dg.MetadataValue.json(events),
        "match_pairs": summary["match_pairs"],
        "review_pairs": summary["review_pairs"],
        "pending_reviews": summary["pending_reviews"],
        "steward_constraints": dg.MetadataValue.json(summary["steward"]),
        "dagster/column_lineage": golden_column_lineage(),
    })


def _golden_check(
    name: str, description: str, audit_name: str, tables: tuple[str, ...]
) -> dg.AssetChecksDefinition:
    """An asset check that runs one audit of matching.golden.audit on the stored registry."""

    @dg.asset_check(asset=golden_records, name=name, description=description)
    def _check(store: RegistryStoreResource) -> dg.AssetCheckResult:
        from matching.golden import audit
        from registry.golden_store import GoldenStore

        registry = store.open()
        golden = GoldenStore(registry)
        # only the columns the audits read (at 100 k businesses the whole tables took ~20 s)
        readers = {
            "records": lambda: registry.load_source_records(columns=AUDIT_RECORD_COLUMNS),
            "cross_reference": lambda: golden.table(
                "cross_reference", ["source", "source_record_id", "registry_id"]),
            "businesses": lambda: golden.table(
                "businesses", ["registry_id", "status", "retired_into"]),
            "events": lambda: golden.table("events", ["event_id", "registry_id", "kind"]),
        }
        result = getattr(audit, audit_name)(*[readers[table]() for table in tables])
        return dg.AssetCheckResult(passed=result.passed, severity=dg.AssetCheckSeverity.ERROR,
                                   description=result.detail,
                                   metadata={"failures": result.failures})

    return _check


golden_checks = [
    _golden_check("one_business_per_record", "Every accepted source record belongs to exactly "
                  "one business.", "records_in_one_business", ("records", "cross_reference")),
    _golden_check("one_valid_bn_root", "No business holds two different valid BN roots.",
                  "one_valid_bn_root_per_business", ("records", "cross_reference")),
    _golden_check("registry_ids_valid", "Registry ids are unique and well formed.",
                  "registry_ids_valid", ("businesses",)),
    _golden_check("events_consistent", "Id events agree with the businesses table (created, "
                  "retired, merged into an active business).", "events_consistent",
                  ("businesses", "events")),
]
