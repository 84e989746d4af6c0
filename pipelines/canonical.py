"""The canonical records asset: every validated source, saved to the registry store."""

from typing import Any

import dagster as dg
import pandas as pd

from canonical.schema import empty_canonical_frame
from pipelines.progress import stage
from pipelines.resources import RegistryStoreResource
from pipelines.validation import ValidatedSource, validated_key
from registry.intake_store import IntakeStore
from sources.config import SourceConfig

CANONICAL_GROUP = "canonical"  # the stage between validation and matching


def build_canonical_records_asset(sources: list[SourceConfig]) -> dg.AssetsDefinition:
    """Union of the validated sources; each source's batch is written to the store atomically.

    A source whose files did not change since the registry last accepted them is recorded as
    unchanged and not rewritten: re-ingesting an unchanged file changes nothing.
    """
    ins = {f"validated_{s.id}": dg.AssetIn(validated_key(s.id)) for s in sources}

    @dg.asset(name="canonical_records", ins=ins, group_name=CANONICAL_GROUP,
              description="Accepted canonical records of every source, as stored in the "
              "registry's source_records table; per-source reconciliation in source_batches.",
              kinds={"pandas", "sqlalchemy"})
    def canonical_records(
        context: dg.AssetExecutionContext, store: RegistryStoreResource, **validated: Any
    ) -> dg.Output[pd.DataFrame]:
        registry = store.open()
        run_id = store.run_id(context.run_id)
        frames = [empty_canonical_frame()]
        per_source: dict[str, dict[str, Any]] = {}
        for name in sorted(validated):
            item: ValidatedSource = validated[name]
            batch = item.batch
            files = [(f.path, f.sha256, f.size_bytes, f.rows) for f in batch.files]
            unchanged = registry.known_file_checksums(batch.source) == {
                f.path: f.sha256 for f in batch.files}
            held = bool(item.change and item.change.held)
            if unchanged:
                registry.record_unchanged_batch(run_id, batch.source, files)
                frames.append(registry.load_source_records([batch.source])
                              if batch.kept_from_run else batch.records)
            elif held:  # recorded for triage; the source keeps its previous batch
                registry.save_source_batch(run_id, batch.source, batch.records, batch.quarantine,
                                           files, batch.rows_read, status="held",
                                           message=item.change.reason)
                frames.append(registry.load_source_records([batch.source]))
            else:
                registry.save_source_batch(run_id, batch.source, batch.records, batch.quarantine,
                                           files, batch.rows_read, status="accepted",
                                           message=item.change.reason if item.change else None)
                frames.append(batch.records)
            accepted = len(frames[-1]) if unchanged else batch.rows_accepted
            per_source[batch.source] = {
                "read": batch.rows_read, "accepted": accepted,
                "quarantined": batch.rows_quarantined, "unchanged": unchanged, "held": held,
            }
            what = ("unchanged, kept" if unchanged else
                    "HELD BACK, previous batch kept;" if held else "stored")
            stage(context, f"{batch.source}: {what} {accepted:,} accepted, "
                  f"{batch.rows_quarantined:,} quarantined")
        # Records registered online that no source file has delivered yet stay in the input,
        # so they keep the registry id the API gave them (docs/api.md).
        carried = IntakeStore(registry).carry_pending(run_id, pd.concat(frames,
                                                                        ignore_index=True))
        if len(carried):
            frames.append(carried)
            stage(context, f"online intake: {len(carried):,} records registered through the "
                  "API and not yet in their source's files, kept")
        # One order whatever each source's records came from (a fresh read, or the store for a
        # held-back source): matching samples by position, so the order is part of the input.
        records = pd.concat(frames, ignore_index=True).sort_values(
            ["source", "source_record_id"], kind="stable", ignore_index=True)
        return dg.Output(records, metadata={
            "dagster/row_count": len(records),
            "registry_run_id": run_id,
            "per_source": dg.MetadataValue.json(per_source),
            "online_intake_records": len(carried),
        })

    return canonical_records
