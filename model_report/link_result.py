"""Report inputs from a LinkResult in memory: the pipeline's matching step writes its report
before the golden stage has stored the run's pairs."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matching.linker import LinkResult
from model_report.inputs import Headline, ReportError, ReportInputs, evidence_pairs


def inputs_from_link(result: LinkResult, source: str) -> ReportInputs:
    """The run's model, pairs (match and review in the pipeline), clusters and blocking."""
    pairs = result.pairs
    evidence = pairs.drop(columns=["record_key_l", "record_key_r"])
    clusters = result.clusters.drop_duplicates("cluster_id")
    report = result.blocking_report
    counts = result.decision_counts
    headline = Headline(records=len(result.clusters), candidate_pairs=int(report.total_pairs),
                        match_pairs=int(counts.get("match", 0)),
                        review_pairs=int(counts.get("review", 0)),
                        businesses=len(clusters))
    return ReportInputs(
        source=source, model=result.model, headline=headline,
        pairs=evidence_pairs(pairs["record_key_l"], pairs["record_key_r"], evidence),
        cluster_sizes=clusters["cluster_size"].to_numpy(),
        blocking=[{"rule": r.rule, "pairs": int(r.pairs), "new_pairs": int(r.new_pairs),
                   "blocks_dropped": int(r.blocks_dropped)} for r in report.rules])


@dataclass(frozen=True)
class RunReport:
    """The report a pipeline step wrote (path None, and why, when it could not)."""

    path: Path | None
    figures: dict[str, Any]
    problem: str | None = None


def write_run_report(result: LinkResult, folder: Path, source: str) -> RunReport:
    """The step's report beside its model; a model without a score summary (kept from a run
    before UBR recorded one, by an incremental run) gives no report, and says why, rather
    than failing the run."""
    from model_report.page import write_report

    try:
        inputs = inputs_from_link(result, source)
    except ReportError as exc:
        return RunReport(None, {}, str(exc))
    return RunReport(write_report(inputs, folder), inputs.headline.figures(result.model))
