"""Validation assets: each source's batch through its Great Expectations suite.

The blocking check stops everything downstream when a source fails as a whole, so the
registry already published stays as it was.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from expectations.change_limit import ChangeVerdict, judge_change
from pipelines.ingestion import ingested_key
from pipelines.progress import stage
from pipelines.resources import RegistryStoreResource
from sources.config import SourceConfig
from sources.ingest import SourceBatch

VALIDATION_GROUP = "validation"


@dataclass
class ValidatedSource:
    """A source's batch after validation: accepted records and every quarantined row."""

    batch: SourceBatch  # records = accepted after validation; quarantine = read+map+validate
    passed: bool
    failures: list[str]
    results: list[dict[str, Any]]
    flags: pd.DataFrame
    sin_removed: int
    data_docs_path: str | None
    summary: str
    change: ChangeVerdict | None = None  # None: input unchanged, nothing to judge


class ChangeLimitConfig(dg.Config):
    """Run configuration of a validation step (launchpad: ops.validated_<source>.config)."""

    accept_change: bool = False  # let a batch beyond the source's max_change through


def validated_key(source_id: str) -> dg.AssetKey:
    return dg.AssetKey(f"validated_{source_id}")


# Sample values are shown only for fields that can never name a person. Names and addresses
# are out even when classified public: a sole proprietorship's legal name is its owner's name.
SAMPLEABLE_FIELDS = frozenset({
    "business_type", "legal_form", "status", "registration_date", "status_date", "address_type",
    "province", "postal_code", "naics_code", "employee_band", "permit_type", "program_accounts",
})


def _samples(result: dict[str, Any]) -> str:
    if str(result.get("column") or "") not in SAMPLEABLE_FIELDS:
        return ""
    return ", ".join(map(str, result.get("sample_values") or []))[:200]


def _results_table(results: list[dict[str, Any]]) -> dg.MetadataValue:
    """Per-expectation results, with sample values of non-identifying fields only."""
    columns = ["name", "column", "severity", "success", "unexpected_count",
               "unexpected_percent", "sample_values"]
    records = [dg.TableRecord({
        "name": str(r["name"]), "column": str(r.get("column") or ""),
        "severity": str(r["severity"]), "success": bool(r["success"]),
        "unexpected_count": int(r.get("unexpected_count") or 0),
        "unexpected_percent": round(float(r.get("unexpected_percent") or 0.0), 3),
        "sample_values": _samples(r),
    }) for r in results]
    schema = dg.TableSchema(columns=[
        dg.TableColumn(c, t) for c, t in zip(
            columns, ["string", "string", "string", "bool", "int", "float", "string"],
            strict=True)
    ])
    return dg.MetadataValue.table(records=records, schema=schema)


def build_validation_asset(source: SourceConfig) -> dg.AssetsDefinition:
    @dg.asset(
        key=validated_key(source.id),
        ins={"batch": dg.AssetIn(ingested_key(source.id))},
        group_name=VALIDATION_GROUP,
        description=f"{source.ministry}: records that passed the Great Expectations suites; "
        "failing rows are quarantined with every failed expectation.",
        kinds={"pandas", "great_expectations"},
        tags={"ubr/source": source.id},
    )
    def _validate(
        context: dg.AssetExecutionContext, config: ChangeLimitConfig, batch: SourceBatch,
        store: RegistryStoreResource,
    ) -> dg.Output[ValidatedSource]:
        from expectations.scrub import scrub_raw_records
        from expectations.validate import validate_source

        if batch.kept_from_run:  # validated when run kept_from_run accepted these files
            stored = store.open().current_record_count(source.id) or 0
            return dg.Output(_kept(batch), metadata={"dagster/row_count": stored, "rows_in": 0,
                                                     "kept_from_run": batch.kept_from_run})
        docs_dir = store.home() / "data_docs" / context.run_id
        outcome = validate_source(batch.records, source, raw_columns=batch.raw_columns,
                                  data_docs_dir=docs_dir, sins_removed=batch.sin_fields)
        quarantine, scrubbed = scrub_raw_records(
            pd.concat([batch.quarantine, outcome.quarantine], ignore_index=True))
        validated = SourceBatch(
            source=batch.source, records=outcome.accepted, quarantine=quarantine,
            files=batch.files, raw_columns=batch.raw_columns, rows_read=batch.rows_read,
        )
        validated.reconcile()
        stage(context, outcome.summary_text)
        registry = store.open()
        change = None
        if registry.known_file_checksums(source.id) != {f.path: f.sha256 for f in batch.files}:
            change = judge_change(source.id, validated.rows_accepted,
                                  registry.current_record_count(source.id), source.max_change,
                                  config.accept_change)
            if change.reason:
                stage(context, change.reason)
        docs = str(outcome.data_docs_path) if outcome.data_docs_path else None
        result = ValidatedSource(
            batch=validated, passed=outcome.batch_passed, failures=outcome.batch_failures,
            results=outcome.expectation_results, flags=outcome.flags,
            sin_removed=outcome.sin_removed, data_docs_path=docs, summary=outcome.summary_text,
            change=change,
        )
        metadata: dict[str, Any] = {
            "dagster/row_count": validated.rows_accepted,
            "rows_in": len(batch.records),
            "rows_quarantined_by_validation": len(outcome.quarantine),
            "rows_flagged": len(outcome.flags),
            "sin_values_removed": outcome.sin_removed,
            "sin_values_removed_from_quarantined_rows": scrubbed,
            "batch_passed": outcome.batch_passed,
            "held_back": bool(change and change.held),
            "expectations": _results_table(outcome.expectation_results),
        }
        if docs:
            metadata["data_docs"] = dg.MetadataValue.url(Path(docs).resolve().as_uri())
        return dg.Output(result, metadata=metadata)

    return _validate


def _kept(batch: SourceBatch) -> ValidatedSource:
    """A kept batch passes as its records passed when they were accepted."""
    summary = (f"{batch.source}: files unchanged since run {batch.kept_from_run}; the records "
               "it accepted stand, not validated again")
    return ValidatedSource(batch=batch, passed=True, failures=[], results=[],
                           flags=pd.DataFrame(), sin_removed=0, data_docs_path=None,
                           summary=summary)


def build_expectations_check(source: SourceConfig) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=validated_key(source.id), name="expectations", blocking=True,
                    description="The source passes as a whole: invalid share under its "
                    "threshold and no schema drift. A failure blocks everything downstream.")
    def _check(
        context: dg.AssetCheckExecutionContext, validated_source: ValidatedSource,
        store: RegistryStoreResource,
    ) -> dg.AssetCheckResult:
        if not validated_source.passed:
            for failure in validated_source.failures:
                context.log.error(failure)
            store.record_blocked_batch(context.run.run_id, validated_source.batch,
                                       "; ".join(validated_source.failures))
        failed = [r for r in validated_source.results if not r["success"]]
        return dg.AssetCheckResult(
            passed=validated_source.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=" ".join(validated_source.failures) or validated_source.summary,
            metadata={
                "failed_expectations": len(failed),
                "expectations": _results_table(validated_source.results),
                "rows_quarantined": validated_source.batch.rows_quarantined,
                "data_docs": validated_source.data_docs_path or "",
            },
        )

    return _check


def build_change_limit_check(source: SourceConfig) -> dg.AssetChecksDefinition:
    """Fails when the source's batch was held back (empty, or beyond its max_change).

    Not blocking: the run goes on with the source's previous batch, so the other registers
    are still brought up to date.
    """

    @dg.asset_check(asset=validated_key(source.id), name="change_limit",
                    description=f"The batch is not empty and its accepted rows differ from the "
                    f"previous accepted batch's by at most {source.max_change:.0%} "
                    "(max_change), or an operator accepted the change.")
    def _check(validated_source: ValidatedSource) -> dg.AssetCheckResult:
        change = validated_source.change
        return dg.AssetCheckResult(
            passed=not (change and change.held), severity=dg.AssetCheckSeverity.ERROR,
            description=(change.reason if change and change.reason
                         else "input unchanged" if change is None else "within the limit"),
            metadata={"rows": change.rows if change else validated_source.batch.rows_accepted,
                      "previous_rows": change.previous_rows if change and
                      change.previous_rows is not None else -1,
                      "max_change": source.max_change},
        )

    return _check
