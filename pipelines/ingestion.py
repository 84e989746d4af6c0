"""Ingestion assets: one per configured source, built from config/sources.yaml."""

import dataclasses

import dagster as dg

from pipelines.metadata import ingestion_metadata
from pipelines.progress import stage
from pipelines.resources import RegistryStoreResource, SourceCatalog
from sources.config import ConfigError, SourceConfig
from sources.ingest import SourceBatch, fingerprint_source, ingest_source, kept_batch
from sources.readers import SourceIngestError

INGESTION_GROUP = "ingestion"


def ingested_key(source_id: str) -> dg.AssetKey:
    return dg.AssetKey(f"ingested_{source_id}")


class IngestConfig(dg.Config):
    """Run configuration of an ingestion step (launchpad: ops.ingested_<source>.config)."""

    # read and validate the files even when the registry's current batch came from the same
    # files, configuration and code (`ubr run --full` sets it)
    read_unchanged: bool = False


def _kept_batch(source: SourceConfig, catalog: SourceCatalog,
                store: RegistryStoreResource) -> SourceBatch | None:
    """The registry's current batch of `source`, if reading its files again could not change
    it: same files, and written by a run with this configuration and committed code."""
    from registry.run_activity import current_batch_origin
    from registry.store import same_committed_code

    files = fingerprint_source(source, catalog.data_path)
    registry = store.open()
    if registry.known_file_checksums(source.id) != {f.path: f.sha256 for f in files}:
        return None
    origin = current_batch_origin(registry, source.id)
    if (origin is None or origin.config_hash != store.config_hash()
            or not same_committed_code(origin.code_version)):
        return None
    return kept_batch(source, files, origin.run_id)


def build_ingestion_asset(source: SourceConfig) -> dg.AssetsDefinition:
    """The asset that reads one register and maps it to canonical records."""

    @dg.asset(
        key=ingested_key(source.id),
        group_name=INGESTION_GROUP,
        description=f"{source.ministry}: rows read from the register and mapped to the "
        f"canonical schema; unreadable rows go to quarantine ({source.format.value}). Files "
        "unchanged since a run with the same configuration and code read them are not read "
        "again (docs/incremental.md).",
        kinds={"pandas", source.format.value},
        tags={"ubr/source": source.id},
    )
    def _ingest(
        context: dg.AssetExecutionContext, config: IngestConfig, catalog: SourceCatalog,
        store: RegistryStoreResource,
    ) -> dg.Output[SourceBatch]:
        from expectations.intake import remove_sins

        try:
            kept = None if config.read_unchanged else _kept_batch(source, catalog, store)
            if kept is not None:
                stage(context, f"{source.id}: files unchanged since run {kept.kept_from_run}, "
                      "which read them with this configuration and code: not read again")
                stored = store.open().current_record_count(source.id) or 0
                return dg.Output(kept, metadata={**ingestion_metadata(kept, False),
                                                 "dagster/row_count": stored,
                                                 "kept_from_run": kept.kept_from_run})
            batch = ingest_source(source, catalog.data_path)
        except (SourceIngestError, ConfigError) as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        # Before the batch leaves this step (and is kept for the next): no SIN in it.
        sins = remove_sins(source.id, batch.records, batch.quarantine)
        batch = dataclasses.replace(batch, records=sins.records, quarantine=sins.quarantine,
                                    sin_fields=sins.fields_by_row)
        previous = store.open().known_file_checksums(source.id)
        changed = None if not previous else previous != {f.path: f.sha256 for f in batch.files}
        stage(context, f"{source.id}: read {batch.rows_read:,} rows, accepted "
              f"{batch.rows_accepted:,}, quarantined {batch.rows_quarantined:,}, "
              f"{sins.removed + sins.raw_removed:,} SIN-like value(s) removed"
              + ("" if changed is None else f", {'changed' if changed else 'unchanged'} input"))
        metadata = ingestion_metadata(batch, changed)
        metadata["sin_values_removed"] = sins.removed + sins.raw_removed
        return dg.Output(batch, metadata=metadata)

    return _ingest


def build_reconciliation_check(source: SourceConfig) -> dg.AssetChecksDefinition:
    """Rows read = rows accepted + rows quarantined, or nothing downstream is built."""

    @dg.asset_check(asset=ingested_key(source.id), name="reconciliation", blocking=True,
                    description="Every row read is accepted or quarantined: none lost.")
    def _reconciles(batch: SourceBatch) -> dg.AssetCheckResult:
        accounted = batch.rows_accepted + batch.rows_quarantined
        return dg.AssetCheckResult(
            passed=batch.rows_read == accounted,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"rows_read": batch.rows_read, "rows_accepted": batch.rows_accepted,
                      "rows_quarantined": batch.rows_quarantined},
            description=f"{source.id}: read {batch.rows_read}, accounted for {accounted}",
        )

    return _reconciles
