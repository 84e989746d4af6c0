"""The publication asset: the registry as each ministry may see it, and the run's lineage."""

import dagster as dg

from pipelines.lineage import emit_openlineage, share_column_lineage, share_treatments
from pipelines.progress import stage
from pipelines.resources import RegistryStoreResource, SharingConfig, SourceCatalog

PUBLICATION_GROUP = "publication"  # the last stage: what the ministries read


@dg.asset(
    group_name=PUBLICATION_GROUP,
    deps=["golden_records"],
    description="Publishes the golden registry in one transaction: a new version (the last N "
    "kept, each written as its difference from the previous one) and each ministry's share "
    "under its data-sharing agreement (rows filtered, fields clear, masked, keyed pseudonym or "
    "withheld). On PostgreSQL each ministry's schema, role "
    "and views are brought up to date in the same transaction. Closes the registry run and "
    "emits its OpenLineage events.",
    kinds={"sqlalchemy", "openlineage"},
)
def registry_publication(
    context: dg.AssetExecutionContext, store: RegistryStoreResource, sharing: SharingConfig,
    catalog: SourceCatalog,
) -> dg.MaterializeResult:
    from registry.golden_store import GoldenStore
    from registry.publication import publish_registry, summary

    registry = store.open()
    run_id = store.run_id(context.run.run_id)
    agreements = sharing.load()
    publication = publish_registry(registry, run_id, agreements, sharing.file_hash())
    shares = ", ".join(f"{k} {v:,}" for k, v in sorted(publication.shares.items()))
    stage(context, f"publication {publication.publication_id}: "
          f"{publication.business_count:,} businesses, {publication.record_count:,} records; "
          f"shares: {shares or 'none'}")
    golden = GoldenStore(registry).table("golden_runs", run_id=run_id)
    run_summary = dict(golden["summary"].iloc[0]) if len(golden) else {}
    run_summary["publication"] = summary(publication)
    registry.finish_run(run_id, "succeeded", run_summary)
    lineage_problem = emit_openlineage(store, catalog, run_id, agreements)
    if lineage_problem:
        context.log.warning(lineage_problem)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": publication.business_count,
        "publication_id": publication.publication_id,
        "registry_run_id": run_id,
        "records": publication.record_count,
        "shares": dg.MetadataValue.json(publication.shares),
        "rows_written": dg.MetadataValue.json(publication.written or {}),
        "dagster/column_lineage": share_column_lineage(agreements),
        "treatments": dg.MetadataValue.json(share_treatments(agreements)),
        "openlineage": lineage_problem or "emitted",
    })


@dg.asset_check(asset=registry_publication, name="shares_honour_agreements",
                description="Each ministry's share in the newest publication holds exactly the "
                "rows its agreement allows, no value of a withheld field, no owner's name where "
                "personal information is not allowed, clear values unchanged and no masked or "
                "pseudonymised value in clear. Checked independently of the code that wrote it.")
def shares_honour_agreements(
    store: RegistryStoreResource, sharing: SharingConfig,
) -> dg.AssetCheckResult:
    from registry.publication import current_publication_id, read_published, read_share
    from registry.sharing_audit import share_violations
    from registry.sharing_policy import SHARED_COLUMNS

    engine = store.open().engine
    with engine.connect() as connection:
        publication_id = current_publication_id(connection)
        published = read_published(connection, publication_id) if publication_id else None
    if published is None:
        return dg.AssetCheckResult(passed=False, description="nothing has been published")
    found: dict[str, dict[str, int]] = {}
    for agreement in sharing.load().agreements:
        _, share = read_share(engine, agreement.id, list(SHARED_COLUMNS), publication_id)
        found[agreement.id] = share_violations(published, share, agreement)
    failing = {m: {k: v for k, v in counts.items() if v} for m, counts in found.items()
               if any(counts.values())}
    return dg.AssetCheckResult(
        passed=not failing, severity=dg.AssetCheckSeverity.ERROR,
        description="every share honours its agreement" if not failing else
        f"share(s) breaking their agreement: {', '.join(sorted(failing))}",
        metadata={"publication_id": publication_id,
                  "violations": dg.MetadataValue.json(failing)})
