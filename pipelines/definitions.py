"""The Dagster code location: every asset, check, resource, job, schedule and sensor of UBR.

Assets are built from config/sources.yaml (one ingestion and one validation asset per
source), so a new ministry register is a YAML entry, not new code. The settings (sources file,
data directory, store, agreements, home) are given to `build_definitions` and held by the
resources; the environment is read only for what is not given, when the definitions are built.
"""

from pathlib import Path

import dagster as dg

from pipelines.automation import (
    build_nightly_schedule,
    build_source_files_sensor,
    close_failed_registry_runs,
)
from pipelines.canonical import CANONICAL_GROUP, build_canonical_records_asset
from pipelines.golden import GOLDEN_GROUP, golden_checks, golden_records
from pipelines.ingestion import INGESTION_GROUP, build_ingestion_asset, build_reconciliation_check
from pipelines.matching import MATCHING_GROUP, one_cluster_per_record, record_matches
from pipelines.publication import (
    PUBLICATION_GROUP,
    registry_publication,
    shares_honour_agreements,
)
from pipelines.resources import run_resources
from pipelines.settings import RunSettings
from pipelines.stage_io import RegistryStageIOManager
from pipelines.validation import (
    VALIDATION_GROUP,
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
# The asset groups in the order the data flows, one stage each: every asset reads only from its
# own group or an earlier one (tests/test_asset_groups.py). The UI's lineage graph lays them out
# in this order; its lists of groups sort them by name (docs/operations.md, "The assets").
STAGE_GROUPS = (INGESTION_GROUP, VALIDATION_GROUP, CANONICAL_GROUP, MATCHING_GROUP, GOLDEN_GROUP,
                PUBLICATION_GROUP)


def build_definitions(
    config_path: str | Path | None = None,
    data_dir: str | Path | None = None,
    database_url: str | None = None,
    sharing_config: str | Path | None = None,
    home: str | Path | None = None,
) -> dg.Definitions:
    """Every definition of UBR, its resources holding these settings; each one not given
    comes from its environment variable, else its default (pipelines.settings.RunSettings)."""
    settings = RunSettings.resolve(config_path, data_dir, database_url, sharing_config, home)
    sources = load_sources(settings.sources_config).sources
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
        golden_checks,
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
        sensors=[build_source_files_sensor(JOB_NAME, watching=f"the sources of "
                                           f"{settings.sources_config} under {settings.data_dir}"),
                 close_failed_registry_runs],
        resources={
            **run_resources(settings),
            "io_manager": RegistryStageIOManager(home=str(settings.artefacts)),
        },
    )


# `dagster dev`, the UI and `dagster job execute`: the environment's settings (UBR_SOURCES_CONFIG,
# UBR_DATA_DIR, UBR_DATABASE_URL, UBR_SHARING_CONFIG, UBR_HOME), read here and nowhere else.
defs = build_definitions()
