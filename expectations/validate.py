"""The validation facade: one canonical frame of one source in, a ValidationOutcome out.

Order matters: SINs are removed first (nothing downstream, GX included, may see them), then
provinces are normalised, then every check runs once over whole columns and once in GX over
the same batch frame. Rows failing a blocking check go to quarantine (one row each, naming
every failed check); rows failing only warnings pass with a flag.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from canonical.schema import CANONICAL_COLUMNS, conform
from expectations.catalogue import SIN_CHECK, Check, build_checks
from expectations.data_docs import build_data_docs
from expectations.gx_runner import ResultFormat, run_suite
from expectations.outcome import expectation_results, flag_rows, quarantine_rows
from expectations.rules import failures, helper_columns, normalise_provinces
from expectations.schema import (
    SchemaFinding,
    check_empty_mapped,
    check_frame,
    check_raw_columns,
    needs_conform,
)
from expectations.settings import ExpectationSettings, SourceRules, load_expectation_settings
from expectations.sin import SinScan, scan_and_remove
from expectations.verdict import BatchVerdict, Verdict, batch_verdict
from sources.config import SourceConfig

log = logging.getLogger(__name__)


@dataclass
class ValidationOutcome:
    """Everything validation of one source produced; free of personal values and SINs."""

    source: str
    accepted: pd.DataFrame  # canonical frame of passing rows, SINs removed, provinces normalised
    quarantine: pd.DataFrame  # canonical.quarantine shape, stage 'validate'
    flags: pd.DataFrame  # source_record_id, source_line, expectations (';'-joined)
    expectation_results: list[dict[str, Any]]
    batch_passed: bool
    batch_failures: list[str]
    sin_removed: int
    data_docs_path: Path | None
    summary_text: str
    provinces_normalised: int = 0
    rows_in: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    verdict: BatchVerdict | None = None  # passed / passed with warnings / failed, with counts

    @property
    def reconciles(self) -> bool:
        """Every input row is accepted or quarantined, exactly once."""
        return self.rows_in == len(self.accepted) + len(self.quarantine)


@dataclass
class PreparedBatch:
    """The frames and failures validation works from (exposed for tests and benchmarks)."""

    scan: SinScan
    cleaned: pd.DataFrame  # input with SINs removed (what quarantine raw_record shows)
    normalised: pd.DataFrame  # cleaned with provinces normalised (what is accepted)
    checks: list[Check]
    batch: pd.DataFrame  # the columns GX validates: canonical non-personal + helpers
    fails: dict[str, np.ndarray]
    provinces_normalised: int


def _with_earlier(scan: SinScan, earlier: pd.Series | None) -> SinScan:
    """This scan plus the fields an earlier scan (at intake) already cleared, per row."""
    if earlier is None or not len(earlier):
        return scan
    earlier = pd.Series(earlier.to_numpy(object), index=scan.fields_by_row.index).fillna("")
    both = (earlier + ";" + scan.fields_by_row).str.strip(";")
    cleared = earlier[earlier != ""]
    removed = int(cleared.str.count(";").add(1).sum()) if len(cleared) else 0
    return SinScan(scan.cleaned, scan.row_flags | (earlier != "").to_numpy(bool), both,
                   scan.removed + removed)


def prepare_batch(frame: pd.DataFrame, rules: SourceRules, today: date,
                  sins_removed: pd.Series | None = None) -> PreparedBatch:
    """Remove SINs, normalise provinces, build the GX batch and the row failures.

    `sins_removed`: per row, the fields whose SIN was already removed at intake, so those
    rows are flagged as if this scan had found them.
    """
    scan = _with_earlier(scan_and_remove(frame, rules.sin_exempt_fields), sins_removed)
    normalised = scan.cleaned.copy()
    normalised["province"], changed = normalise_provinces(scan.cleaned["province"])
    checks = build_checks(rules)
    columns: dict[str, pd.Series] = {
        c.gx_column: normalised[c.gx_column] for c in checks if not c.gx_column.startswith("_")
    }
    columns.update(helper_columns(normalised, checks, rules, today))
    columns[f"_ok_{SIN_CHECK}"] = pd.Series(~scan.row_flags, index=normalised.index)
    batch = pd.DataFrame(columns, copy=False)
    return PreparedBatch(scan, scan.cleaned, normalised, checks, batch,
                         failures(batch, checks), changed)


def _conformed(frame: pd.DataFrame, findings: list[SchemaFinding], source_id: str) -> pd.DataFrame:
    """Canonical columns in canonical dtypes; extra columns dropped (they are reported)."""
    frame = frame[[c for c in frame.columns if c in CANONICAL_COLUMNS]]
    if not findings and not needs_conform(frame):
        return frame.reset_index(drop=True)
    try:
        return conform(frame).reset_index(drop=True)
    except (ValueError, TypeError):
        # conform's own message may quote a value; do not pass it on.
        raise ValueError(
            f"source '{source_id}': the frame cannot be brought to the canonical dtypes; "
            "see the schema findings of canonical.schema.conform on the reader's output"
        ) from None


def _batch_failures(
    source_id: str,
    rows: int,
    quarantined: int,
    max_share: float,
    results: list[dict[str, Any]],
    findings: list[SchemaFinding],
    docs: Path | None,
) -> list[str]:
    """Sentences naming source, expectation, how many rows and where to look."""
    where = f"quarantine rows with stage 'validate' for source '{source_id}'"
    if docs is not None:
        where += f" and the GX Data Docs at {docs}"
    out = []
    share = quarantined / rows if rows else 0.0
    if share > max_share:
        worst = sorted(
            (r for r in results if r["severity"] == "blocking" and r["predicate_unexpected_count"]),
            key=lambda r: -r["predicate_unexpected_count"],
        )[:3]
        top = ", ".join(
            f"{r['name']} ({r['predicate_unexpected_count']} rows, column {r['column']})"
            for r in worst
        )
        out.append(
            f"Source '{source_id}': {quarantined} of {rows} rows ({share:.1%}) failed blocking "
            f"expectations, above the {max_share:.1%} threshold (config/expectations.yaml "
            f"max_invalid_share); most failed: {top}. Look at the {where}."
        )
    for finding in findings:
        out.append(
            f"Source '{source_id}': schema drift, expectation {finding.expectation} failed for "
            f"all {rows} rows: {finding.message}. Look at the source's entry in "
            "config/sources.yaml (mapping) and the columns of the file the reader read."
        )
    for result in results:
        if result["gx_exception"]:
            out.append(
                f"Source '{source_id}': GX could not evaluate {result['name']} on column "
                f"{result['column']}; the check was not done. Look at the {where}."
            )
    return out


def validate_source(
    frame: pd.DataFrame,
    config: SourceConfig,
    *,
    raw_columns: list[str] | None = None,
    settings: ExpectationSettings | None = None,
    data_docs_dir: str | Path | None = None,
    today: date | None = None,
    result_format: ResultFormat = "SUMMARY",
    sins_removed: pd.Series | None = None,
    one_record: bool = False,
) -> ValidationOutcome:
    """Validate one source's canonical frame; see docs/validation.md for every expectation.

    `sins_removed` (from `expectations.intake.remove_sins`): fields cleared per row at intake.
    `one_record`: an online record (the API): its summary is logged at debug level only.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    settings = settings or load_expectation_settings()
    rules = settings.for_source(config.id)
    today = today or datetime.now(UTC).date()
    rows_in = len(frame)

    findings = check_frame(frame)
    frame = _conformed(frame, findings, config.id)
    findings += check_raw_columns(config, raw_columns)
    if rules.fail_on_empty_mapped_field:
        findings += check_empty_mapped(config, frame)

    prepared = prepare_batch(frame, rules, today, sins_removed)
    scan, cleaned, normalised = prepared.scan, prepared.cleaned, prepared.normalised
    checks, fails, batch = prepared.checks, prepared.fails, prepared.batch
    provinces_normalised = prepared.provinces_normalised
    timings["prepare_and_predicates"] = time.perf_counter() - started

    mark = time.perf_counter()
    docs_dir = Path(data_docs_dir) / config.id if data_docs_dir is not None else None
    gx_run = run_suite(batch, checks, source_id=config.id, data_docs_dir=docs_dir,
                       result_format=result_format)
    timings["gx"] = time.perf_counter() - mark

    mark = time.perf_counter()
    quarantine, blocked = quarantine_rows(config.id, cleaned, checks, fails, scan.fields_by_row)
    accepted = normalised[~blocked].reset_index(drop=True)
    flags = flag_rows(normalised, checks, fails, blocked)
    results = expectation_results(checks, fails, gx_run.results, normalised)
    for finding in findings:
        results.append({
            "name": finding.expectation, "column": finding.column, "severity": "blocking",
            "kind": "batch", "success": False, "unexpected_count": rows_in,
            "unexpected_percent": 100.0, "predicate_unexpected_count": rows_in,
            "agrees_with_gx": True, "sample_values": [], "gx_exception": None,
        })
    batch_failures = _batch_failures(config.id, rows_in, len(quarantine),
                                     rules.max_invalid_share, results, findings,
                                     gx_run.data_docs_path)
    verdict = batch_verdict(batch_failures=batch_failures, results=results, rows=rows_in,
                            quarantined=len(quarantine), flagged=len(flags))
    timings["outcome"] = time.perf_counter() - mark
    mark = time.perf_counter()
    data_docs_path = build_data_docs(gx_run, verdict)
    timings["data_docs"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    if rows_in != len(accepted) + len(quarantine):  # a bug here would lose rows silently
        raise AssertionError(f"source '{config.id}': validation lost rows")

    disagree = [r["name"] for r in results if not r["agrees_with_gx"]]
    summary = _summary(config.id, rows_in, len(accepted), len(quarantine), len(flags),
                       scan.removed, provinces_normalised, rules.max_invalid_share,
                       verdict, disagree, timings["total"])
    # a batch verdict says nothing of one online record (its batch checks do not apply)
    log.log(logging.DEBUG if one_record else logging.INFO, summary)
    return ValidationOutcome(
        source=config.id, accepted=accepted, quarantine=quarantine, flags=flags,
        expectation_results=results, batch_passed=not batch_failures,
        batch_failures=batch_failures, sin_removed=scan.removed,
        data_docs_path=data_docs_path, summary_text=summary,
        provinces_normalised=provinces_normalised, timings=timings, rows_in=rows_in,
        verdict=verdict,
    )


def _summary(source_id: str, rows: int, accepted: int, quarantined: int, flagged: int,
             sins: int, provinces: int, max_share: float, judged: BatchVerdict,
             disagree: list[str], seconds: float) -> str:
    share = quarantined / rows if rows else 0.0
    verdict = (f"FAILED ({judged.batch_failures} batch failure(s))"
               if judged.verdict is Verdict.FAILED else str(judged.verdict))
    text = (
        f"validate {source_id}: {rows} rows -> {accepted} accepted, {quarantined} quarantined "
        f"({share:.1%}, threshold {max_share:.1%}), {flagged} flagged; "
        f"{sins} SIN-like value(s) removed; {provinces} province value(s) normalised; "
        f"batch {verdict}; {seconds:.1f} s"
    )
    if disagree:
        text += f"; GX and predicates disagree on: {', '.join(disagree)}"
    return text


