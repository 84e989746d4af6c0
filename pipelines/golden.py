"""The golden registry asset: one golden record and a persistent registry id per business."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import pandas as pd

from matching.current_state import mark_current_state
from pipelines.lineage import golden_column_lineage
from pipelines.memory import release_unused_memory
from pipelines.progress import stage
from pipelines.resources import RegistryStoreResource

GOLDEN_GROUP = "golden"  # after matching, before publication

AUDIT_RECORD_COLUMNS = ("source", "source_record_id", "business_number", "program_accounts")


@dg.asset(
    group_name=GOLDEN_GROUP,
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


# check name -> (description, audit in matching.golden.audit, the tables it reads)
GOLDEN_AUDITS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "one_business_per_record": ("Every accepted source record belongs to exactly one business.",
                                "records_in_one_business", ("records", "cross_reference")),
    "one_valid_bn_root": ("No business holds two different valid BN roots.",
                          "one_valid_bn_root_per_business", ("records", "cross_reference")),
    "registry_ids_valid": ("Registry ids are unique and well formed.", "registry_ids_valid",
                           ("businesses",)),
    "events_consistent": ("Id events agree with the businesses table (created, retired, merged "
                          "into an active business).", "events_consistent",
                          ("businesses", "events")),
}


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset=golden_records, description=description)
           for name, (description, _, _) in GOLDEN_AUDITS.items()],
    can_subset=True, name="golden_records_audits",
)
def golden_checks(
    context: dg.AssetCheckExecutionContext, store: RegistryStoreResource
) -> Iterator[dg.AssetCheckResult]:
    """The audits of matching.golden.audit on the stored registry, in one step: each table is
    read once for every check selected (the records and cross-reference feed two of them)."""
    from matching.golden import audit
    from registry.golden_store import GoldenStore

    registry = store.open()
    golden = GoldenStore(registry)
    # only the columns the audits read (at 100 k businesses the whole tables took ~20 s)
    readers = {
        "records": lambda: registry.load_source_records(columns=AUDIT_RECORD_COLUMNS),
        "cross_reference": lambda: golden.table(
            "cross_reference", ["source", "source_record_id", "registry_id"]),
        "businesses": lambda: golden.table("businesses", ["registry_id", "status",
                                                          "retired_into"]),
        "events": lambda: golden.table("events", ["event_id", "registry_id", "kind"]),
    }
    selected = [(name, audit_name, tables)
                for name, (_, audit_name, tables) in GOLDEN_AUDITS.items()
                if dg.AssetCheckKey(golden_records.key, name) in
                context.selected_asset_check_keys]
    frames: dict[str, Any] = {}
    for name, audit_name, tables in selected:
        for table in tables:
            if table not in frames:
                frames[table] = readers[table]()
        result = getattr(audit, audit_name)(*[frames[table] for table in tables])
        yield dg.AssetCheckResult(check_name=name, asset_key=golden_records.key,
                                  passed=result.passed, severity=dg.AssetCheckSeverity.ERROR,
                                  description=result.detail,
                                  metadata={"failures": result.failures})
