"""Build one source's GX Data Docs that state UBR's verdict and open without the internet.

Built after validation, not inside the GX run: the headline must be UBR's verdict, which
needs GX's results first. The stored validation result gets `success` = "the batch passed"
(GX's own suite success is kept in `meta.ubr_verdict.gx_success`) so the index agrees too,
and UBR's page renderer writes the three-way verdict and marks failed warnings as warnings.
"""

from pathlib import Path
from typing import Any

from expectations.gx_runner import GxRun
from expectations.offline_docs import make_offline
from expectations.verdict import BatchVerdict, Verdict

SITE_NAME = "ubr"
RENDERERS = "expectations.docs_renderers"
VERDICT_META = "ubr_verdict"


def _site_config(site_dir: Path) -> dict[str, Any]:
    """A filesystem site with UBR's page renderer, no profiling section, no GX how-to ads."""
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(site_dir),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "site_section_builders": {
            "validations": {"renderer": {"module_name": RENDERERS,
                                         "class_name": "UbrValidationResultsPageRenderer"}},
            "profiling": "None",
        },
    }


def _stamp_verdict(context: Any, result: Any, verdict: BatchVerdict) -> None:
    """Store the result again with UBR's verdict; the ephemeral store holds this run only."""
    store = context.validation_results_store
    keys = store.list_keys()
    if len(keys) != 1:  # one context per source per run: anything else is a bug upstream
        raise AssertionError(f"expected one stored validation result, found {len(keys)}")
    result.meta[VERDICT_META] = {
        "verdict": str(verdict.verdict), "headline": verdict.headline, "detail": verdict.detail,
        "gx_success": bool(result.success),
    }
    result.success = verdict.verdict is not Verdict.FAILED
    store.set(keys[0], result)


def build_data_docs(run: GxRun, verdict: BatchVerdict) -> Path | None:
    """Write the site of `run` (kept by `run_suite`) and return its index page."""
    if run.data_docs_path is None or run.context is None:
        return None
    site_dir = run.data_docs_path.parent
    context = run.context
    _stamp_verdict(context, run.suite_result, verdict)
    context.add_data_docs_site(site_name=SITE_NAME, site_config=_site_config(site_dir))
    context.build_data_docs(site_names=[SITE_NAME])
    make_offline(site_dir)
    run.context = run.suite_result = None  # let the context (and its batch) go
    return run.data_docs_path
