"""The Dagster code location: every asset, check, resource, job, schedule and sensor of UBR.

Assets are built from config/sources.yaml (one ingestion and one validation asset per
source), so a new ministry register is a YAML entry, not new code.
"""

import dagster as dg

from canonical.paths import data_dir, sources_config_path
from pipelines.automation import (
    build_nightly_schedule,
    build_source_files_sensor,
    close_failed_registry_runs,
)
from pipelines.canonical import build_canonical_records_asset
from pipelines.golden import golden_checks, golden_records
from pipelines.ingestion import build_ingestion_asset, build_reconciliation_check
from pipelines.matching import one_cluster_per_record, record_matches
from pipelines.publication import registry_publication, shares_honour_agreements
from pipelines.resources import RegistryStoreResource, SharingConfig, SourceCatalog
from pipelines.stage_io import RegistryStageIOManager
from pipelines.validation import (
    build_change_limit_check,
    build_expectations_check,
    build_validation_asset,
)
from registry.private_files import restrict_new_files
from sources.config import load_sources

# Every process that loads this code location (webserver, daemon, run workers) writes
# owner-only files: Dagster's own storage included.
restrict_new_files()

JOB_NAME = "ubr_job"


def build_definitions() -> dg.Definitions:
    config_path = sources_config_path()
    sources = load_sources(config_path).sources
    assets = [
        *[build_ingestion_asset(s) for s in sources],
        *[build_validation_asset(s) for s in sources],
        build_canonical_records_asset(sources),
        record_matches,
        golden_records,
        registry_publication,
    ]
    checks = [
        *[build_reconciliation_check(s) for s in sources],
        *[build_expectations_check(s) for s in sources],
        *[build_change_limit_check(s) for s in sources],
        one_cluster_per_record,
        *golden_checks,
        shares_honour_agreements,
    ]
    job = dg.define_asset_job(
        JOB_NAME, selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor,
        description="Ingest every register, validate, match, build the golden registry and "
        "publish it to the ministries under their data-sharing agreements.",
    )
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[job],
        schedules=[build_nightly_schedule(JOB_NAME)],
        sensors=[build_source_files_sensor(JOB_NAME), close_failed_registry_runs],
        resources={
            "catalog": SourceCatalog(config_path=str(config_path), data_dir=str(data_dir())),
            "store": RegistryStoreResource(),
            "sharing": SharingConfig(),
            "io_manager": RegistryStageIOManager(),
        },
    )


defs = build_definitions()
