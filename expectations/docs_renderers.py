"""GX Data Docs renderers that tell UBR's verdict and show failed warnings as warnings.

GX renders a suite as "Failed" if any expectation misses a row and marks every miss with a
red cross; UBR flags rows failing a warning expectation and keeps them. These subclasses read
UBR's verdict from the validation result's `meta.ubr_verdict` (written by
`expectations.data_docs`) and each expectation's `meta.severity`. GX loads this module by
name from the site configuration, so importing GX at the top costs nothing extra.
"""

from typing import Any

from great_expectations.render.renderer.content_block import (
    ValidationResultsTableContentBlockRenderer,
)
from great_expectations.render.renderer.page_renderer import ValidationResultsPageRenderer

from expectations.data_docs import VERDICT_META
from expectations.severity import Severity
from expectations.verdict import Verdict

ICON_CLASSES = {
    Verdict.PASSED: "fas fa-check-circle text-success",
    Verdict.PASSED_WITH_WARNINGS: "fas fa-exclamation-triangle text-warning",
    Verdict.FAILED: "fas fa-times text-danger",
}


def _icon(verdict: str) -> str:
    return f'<i class="{ICON_CLASSES[Verdict(verdict)]}" aria-hidden="true"></i>'


def _is_failed_warning(result: Any) -> bool:
    """A warning expectation that missed rows (not one GX could not evaluate)."""
    config = result.expectation_config
    raised = (result.exception_info or {}).get("raised_exception")
    return (not result.success and not raised and config is not None
            and config.meta.get("severity") == Severity.WARNING)


def _warning_icon_cell() -> dict[str, Any]:
    """The status cell of a failed warning: a warning triangle, not GX's red cross."""
    return {
        "content_block_type": "string_template",
        "string_template": {
            "template": "$icon",
            "params": {"icon": "", "markdown_status_icon": "⚠️"},
            "styling": {"params": {"icon": {
                "tag": "i", "classes": ["fas", "fa-exclamation-triangle", "text-warning"],
                "attributes": {"title": "warning: rows flagged, not quarantined"},
            }}},
        },
    }


class UbrValidationResultsTableRenderer(ValidationResultsTableContentBlockRenderer):
    """GX's expectation table, with failed warnings marked as warnings."""

    @classmethod
    def _get_content_block_fn(cls, expectation_type: str, expectation_config: Any = None) -> Any:
        row_fn = super()._get_content_block_fn(expectation_type, expectation_config)
        if row_fn is None:
            return None

        def row_with_severity(*args: Any, **kwargs: Any) -> Any:
            rows = row_fn(*args, **kwargs)
            if _is_failed_warning(kwargs.get("result")):
                rows[0][0] = _warning_icon_cell()
            return rows

        return row_with_severity


class UbrValidationResultsPageRenderer(ValidationResultsPageRenderer):
    """GX's validation page with UBR's verdict as its status and warnings counted apart."""

    def __init__(self, data_context: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("column_section_renderer", {
            "class_name": "ValidationResultsColumnSectionRenderer",
            "table_renderer": {"module_name": __name__,
                               "class_name": UbrValidationResultsTableRenderer.__name__},
        })
        super().__init__(data_context=data_context, **kwargs)

    @classmethod
    def _render_validation_header(cls, validation_results: Any) -> Any:
        header = super()._render_validation_header(validation_results)
        verdict = validation_results.meta.get(VERDICT_META)
        if verdict:
            template = header.subheader.string_template
            template["template"] += "\n ${ubr_detail}"
            template["params"].update({
                "success": verdict["headline"],
                "html_success_icon": _icon(verdict["verdict"]),
                "ubr_detail": verdict["detail"],
            })
        return header

    @classmethod
    def _render_validation_statistics(cls, validation_results: Any) -> Any:
        table = super()._render_validation_statistics(validation_results)
        failed = [r for r in validation_results.results if not r.success]
        warnings = sum(_is_failed_warning(r) for r in failed)
        at = next((i + 1 for i, row in enumerate(table.table)
                   if row[0] == "Unsuccessful Expectations"), len(table.table))
        table.table[at:at] = [["of which blocking (rows quarantined)", len(failed) - warnings],
                              ["of which warnings (rows flagged, kept)", warnings]]
        return table
