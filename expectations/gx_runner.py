"""Run one GX suite over one batch (a whole DataFrame) in an ephemeral context.

One context, one datasource, one batch and one suite per source per call: GX set-up costs
seconds, so it must never run per row or per expectation. When Data Docs are wanted the run
keeps its context and result: the docs are built afterwards by `expectations.data_docs`, once
UBR's verdict (which needs these results) is known.
"""

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from expectations.catalogue import Check
from expectations.suites import build_suite

ResultFormat = str | dict[str, Any]


@dataclass
class GxRun:
    """What GX said, keyed by our check name."""

    success: bool
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    data_docs_path: Path | None = None
    seconds: float = 0.0
    context: Any = None  # kept for the Data Docs build only
    suite_result: Any = None  # GX's ExpectationSuiteValidationResult, ditto


def import_gx() -> ModuleType:
    """Import GX on first use, quiet (analytics and progress bars are off per context)."""
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    return gx


def _context(gx: ModuleType) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # Off in the context, not through GX_ANALYTICS_ENABLED: a run leaves os.environ alone.
    context.variables.analytics_enabled = False
    for site in list(context.get_site_names()):
        context.delete_data_docs_site(site)
    return context


def run_suite(
    batch: pd.DataFrame,
    checks: list[Check],
    *,
    source_id: str,
    data_docs_dir: Path | None = None,
    result_format: ResultFormat = "SUMMARY",
) -> GxRun:
    """Validate `batch` against the checks' suite; keep what the Data Docs need when a
    directory is given (they go to `<data_docs_dir>/index.html`)."""
    started = time.perf_counter()
    gx = import_gx()
    context = _context(gx)
    asset = context.data_sources.add_pandas(f"ubr_{source_id}").add_dataframe_asset(source_id)
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_batch")
    suite = context.suites.add(build_suite(gx, f"ubr_{source_id}", checks))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"ubr_{source_id}", data=batch_definition, suite=suite)
    )
    result = definition.run(batch_parameters={"dataframe": batch}, result_format=result_format)
    run = GxRun(success=bool(result.success))
    for item in result.results:
        name = item.expectation_config.meta.get("ubr_check")
        if name is None:
            continue
        detail = dict(item.result or {})
        detail["success"] = bool(item.success)
        if item.exception_info and item.exception_info.get("raised_exception"):
            detail["exception"] = str(item.exception_info.get("exception_message"))
        run.results[name] = detail
    if data_docs_dir is not None:
        run.context, run.suite_result = context, result
        run.data_docs_path = Path(data_docs_dir) / "index.html"
    run.seconds = time.perf_counter() - started
    return run
