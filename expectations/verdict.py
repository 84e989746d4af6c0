"""UBR's verdict on one source's batch, in words the run log and the Data Docs both use.

GX calls a suite failed as soon as one expectation misses one row; UBR quarantines or flags
those rows and fails the batch only on its own batch failures (threshold, schema drift, a
check GX could not do). One verdict, computed once, is what the summary line and the Data
Docs headline both show, so they cannot disagree.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    PASSED = "passed"  # no row failed any expectation
    PASSED_WITH_WARNINGS = "passed with warnings"  # rows flagged or quarantined, batch kept
    FAILED = "failed"  # a batch failure: the source blocks publication


@dataclass(frozen=True)
class BatchVerdict:
    """The verdict and the counts behind it (counts only: nothing personal)."""

    verdict: Verdict
    rows: int
    quarantined: int
    flagged: int
    failed_blocking: int  # blocking expectations (batch checks included) that failed
    failed_warning: int  # warning expectations that failed
    batch_failures: int

    @property
    def headline(self) -> str:
        """'Passed', 'Passed with warnings' or 'Failed'."""
        return str(self.verdict).capitalize()

    @property
    def detail(self) -> str:
        """One sentence of counts that explains the headline."""
        share = self.quarantined / self.rows if self.rows else 0.0
        parts = [
            f"{self.rows} rows",
            f"{self.quarantined} quarantined ({share:.1%}) by {self.failed_blocking} failed "
            "blocking expectation(s)",
            f"{self.flagged} flagged by {self.failed_warning} failed warning expectation(s)",
        ]
        if self.batch_failures:
            parts.append(f"{self.batch_failures} batch failure(s)")
        return "; ".join(parts)


def batch_verdict(
    *, batch_failures: list[str], results: list[dict[str, Any]], rows: int, quarantined: int,
    flagged: int,
) -> BatchVerdict:
    """Judge a batch from validation's own results (`expectation_results` rows)."""
    failed = [r for r in results if not r["success"]]
    failed_warning = sum(r["severity"] == "warning" for r in failed)
    if batch_failures:
        verdict = Verdict.FAILED
    elif failed or quarantined or flagged:
        verdict = Verdict.PASSED_WITH_WARNINGS
    else:
        verdict = Verdict.PASSED
    return BatchVerdict(verdict, rows, quarantined, flagged, len(failed) - failed_warning,
                        failed_warning, len(batch_failures))
