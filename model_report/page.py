"""The model report as one self-contained HTML page: inline CSS and SVG, no script, no link
to anything outside the file, so it opens offline and can be attached to a ticket.

It shows model parameters, counts and distributions, record keys and comparison levels, and
never a field value (the model's term-frequency summary, which holds common values, is left
out on purpose).
"""

from collections.abc import Sequence
from html import escape
from pathlib import Path

import numpy as np

from matching.scoring import MATCH, NON_MATCH, REVIEW
from model_report import svg
from model_report.figures import (
    band_of,
    blocking_rows,
    cluster_buckets,
    curve,
    level_rows,
    pick_pair,
    thresholds_as_weights,
    waterfall_steps,
)
from model_report.inputs import ReportInputs

REPORT_FILE = "model_report.html"
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:980px;color:#222;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}
.source{color:#555;margin-top:0}.cards{display:flex;flex-wrap:wrap;gap:.6rem}
.card{border:1px solid #ccc;border-radius:6px;padding:.5rem .8rem;min-width:120px}
.card b{display:block;font-size:1.3rem}.card span{color:#555;font-size:.85rem}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
svg.chart{width:100%;height:auto;max-width:720px;display:block;margin:.5rem 0}
.note{color:#555;font-size:.9rem}
"""


def _n(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1,
           css: str = "") -> str:
    """Cells are escaped here; numeric columns (from `numeric_from`) align right."""
    top = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(
        f'<td{" class=n" if k >= numeric_from else ""}>{escape(str(c))}</td>'
        for k, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<table class="{css}"><tr>{top}</tr>{body}</table>'


def _headline(inputs: ReportInputs) -> str:
    figures = inputs.headline.figures(inputs.model)
    cards = [("records", _n(figures["records"])),
             ("candidate pairs", _n(figures["candidate_pairs"])),
             ("match pairs", _n(figures["match_pairs"])),
             ("review pairs", _n(figures["review_pairs"])),
             ("businesses (clusters)", _n(figures["businesses"])),
             ("estimated precision", _pct(figures["estimated_precision"])),
             ("estimated recall", _pct(figures["estimated_recall"])),
             ("lambda", f"{figures['lambda']:.3g}")]
    return '<div class="cards">' + "".join(
        f'<div class="card" data-figure="{escape(name)}"><b>{escape(value)}</b>'
        f"<span>{escape(name)}</span></div>" for name, value in cards) + "</div>"


def _quality(inputs: ReportInputs) -> str:
    model = inputs.model
    table = curve(model)
    review, auto = thresholds_as_weights(model)
    quality = model.estimated_quality
    points = [(auto, quality[key], f"the run's estimate at the auto-match threshold: {key} "
               f"{quality[key]:.3f}") for key in ("precision", "recall") if key in quality]
    chart = svg.lines(table["match_weight"].tolist(),
                      {"precision": table["precision"].tolist(),
                       "recall": table["recall"].tolist()},
                      "Estimated precision and recall against the auto-match threshold",
                      "auto-match threshold (match weight)",
                      [svg.Marker(review, "review"), svg.Marker(auto, "auto-match")], points)
    at = table.iloc[np.abs(table["match_weight"].to_numpy() - auto).argmin()]
    rows = [(f"{p:.2f} ({w:+.2f})", _pct(pr), _pct(rc), _n(linked))
            for p, w, pr, rc, linked in table[["match_probability", "match_weight",
                                               "precision", "recall", "linked_pairs"]]
            .itertuples(index=False) if p >= 0.05 and p <= 0.9999]
    return (f"<h2 id=quality>Estimated precision and recall</h2>"
            f"<p>No labels: each pair's match probability is the model's belief that it is a "
            f"match, so the matches expected among the pairs linked at a threshold are the "
            f"sum of their probabilities (precision) out of the sum over every candidate pair "
            f"(recall; matches blocking never proposed are not seen, so recall is an upper "
            f"bound). At the configured auto-match threshold "
            f"({model.thresholds.auto_match:g}) the run estimated precision "
            f"<b>{_pct(quality.get('precision'))}</b>, recall "
            f"<b>{_pct(quality.get('recall'))}</b> "
            f"({_pct(quality.get('recall_with_review'))} with the review band); the curve "
            f"there: {_pct(at['precision'])}, {_pct(at['recall'])}.</p>{chart}"
            + _table(["threshold: probability (weight)", "precision", "recall",
                      "record pairs linked"], rows, css="curve"))


def _distribution(inputs: ReportInputs) -> str:
    model = inputs.model
    summary = model.score_summary
    edges = summary["weight_edges"]
    colours = [svg.COLOURS[band_of(w, model)] for w in edges[:-1]]
    review, auto = thresholds_as_weights(model)
    chart = svg.histogram(edges, summary["record_pairs"], colours,
                          "Match weight of every scored candidate pair", "match weight",
                          [svg.Marker(review, f"review {model.thresholds.review:g}"),
                           svg.Marker(auto, f"auto-match {model.thresholds.auto_match:g}")],
                          [("non-match", svg.COLOURS[NON_MATCH]),
                           ("review", svg.COLOURS[REVIEW]), ("match", svg.COLOURS[MATCH])])
    scored = _n(sum(summary["record_pairs"]))
    return (f"<h2 id=distribution>Match-weight distribution</h2>"
            f"<p>Every candidate pair the run scored ({scored} record pairs; the height is on "
            f"a log scale), coloured by the "
            f"band its score falls in before the rules. Records identical on every compared "
            f"field ({_n(summary['identical_pairs'])} record pairs) are matched without a "
            f"score; rules decided {_n(summary['rule_matches'])} matches and "
            f"{_n(summary['rule_non_matches'])} non-matches whatever their score.</p>{chart}")


def _waterfall(inputs: ReportInputs, wanted: tuple[str, str] | None) -> str:
    model = inputs.model
    if wanted is None and inputs.pairs["match_weight"].notna().sum() == 0:
        return ("<h2 id=waterfall>One pair's evidence</h2><p>The run kept no scored pair "
                "to explain.</p>")
    pair = pick_pair(inputs.pairs, model, wanted)
    steps = waterfall_steps(pair, model)
    chart = svg.waterfall(steps, "match weight", f"Evidence of the pair {pair['left']} - "
                          f"{pair['right']}")
    why = ("the pair asked for" if wanted else
           "the scored pair no rule decided whose weight is nearest the auto-match threshold")
    rows = [(name, f"{value:+.3f}") for name, value in steps]
    rows.append(("match weight", f"{pair['match_weight']:+.3f}"))
    rule = f"; rule: {pair['rule']}" if pair["rule"] else ""
    return (f'<h2 id=waterfall>One pair\'s evidence</h2><p>{escape(why)}: '
            f'<b data-pair-left="{escape(pair["left"])}" data-pair-right="{escape(pair["right"])}"'
            f' data-match-weight="{pair["match_weight"]:.6g}">{escape(pair["left"])} and '
            f'{escape(pair["right"])}</b>: match weight {pair["match_weight"]:+.2f}, '
            f"probability {pair['match_probability']:.4f}, decision "
            f"{escape(pair['decision'])}{escape(rule)}. The prior (log2 of lambda's odds) plus "
            f"each comparison's weight at the level the pair reached (term-frequency "
            f"adjustments included) is the match weight. Another pair: "
            f"<code>--pair LEFT,RIGHT</code>.</p>{chart}"
            + _table(["step", "weight"], rows, css="waterfall"))


def _comparisons(inputs: ReportInputs) -> str:
    parts = ["<h2 id=comparisons>m and u per comparison level</h2><p>m: the share of true "
             "matches at the level; u: the share of non-matches (random pairs) at it; the "
             "level's weight is log2(m/u), added to a pair's match weight. A pair where "
             "either side has no value is at the level <code>null</code>, weight 0.</p>"]
    for name, rows in level_rows(inputs.model).items():
        parts.append(f'<h3 data-comparison="{escape(name)}">{escape(name)}</h3>')
        parts.append(_table(["level", "m", "u", "weight log2(m/u)"],
                            [(r.label, f"{r.m:.4f}", f"{r.u:.6f}", f"{r.weight:+.2f}")
                             for r in rows], css="levels"))
        parts.append(svg.grouped_bars([r.label for r in rows],
                                      {"m": [r.m for r in rows], "u": [r.u for r in rows]},
                                      f"m and u per level of {name}", "probability",
                                      [f"{r.weight:+.1f}" for r in rows]))
    return "".join(parts)


def _blocking(inputs: ReportInputs) -> str:
    rows = blocking_rows(inputs)
    table = _table(["rule", "candidate pairs it generates", "record pairs it found first",
                    "expected auto-matches found first", "estimated recall",
                    "cumulative recall"],
                   [(r.rule, _n(r.candidate_pairs), _n(r.first_found),
                     _n(r.expected_auto_matches_first, 1), _pct(r.recall),
                     _pct(r.cumulative_recall)) for r in rows], css="blocking")
    chart = svg.grouped_bars([r.rule for r in rows],
                             {"recall": [r.recall or 0.0 for r in rows]},
                             "Estimated recall of each blocking rule", "share",
                             kind="blocking_recall")
    return ("<h2 id=blocking>Blocking rules</h2><p>A pair is kept when any rule's keys agree; "
            "it is counted under the first rule that found it. A rule's estimated recall is "
            "the share of the matches the model expects among the auto-matched pairs that "
            "the rule generates on its own; cumulative recall, the share the rules up to it "
            "found.</p>" + table + chart)


def _clusters(inputs: ReportInputs) -> str:
    rows = cluster_buckets(inputs.cluster_sizes)
    chart = svg.bars([r[0] for r in rows], [r[1] for r in rows], "Clusters by size",
                     "clusters")
    largest = int(np.max(inputs.cluster_sizes, initial=0))
    return (f"<h2 id=clusters>Cluster sizes</h2><p>Records per business (cluster); the "
            f"largest holds {largest:,}.</p>{chart}"
            + _table(["records per cluster", "clusters", "records"],
                     [(name, _n(c), _n(r)) for name, c, r in rows], css="clusters"))


def _training(inputs: ReportInputs) -> str:
    model = inputs.model
    rows = [(str(s.get("rule", "")), _n(float(s.get("pairs", 0))),
             f"{float(s.get('lambda', 0)):.3g}", _n(float(s.get("iterations", 0))))
            for s in model.em_sessions]
    return ("<h2 id=training>Training</h2>"
            f"<p>Lambda (the probability that two random records match) "
            f"{model.probability_two_random_records_match:.4g}, from "
            f"{escape(model.lambda_source)}; u from {model.u_sample_pairs:,} random pairs; "
            f"m by EM, one session per training blocking rule; trained on "
            f"{model.n_records:,} records; settings hash <code>{model.config_hash[:12]}</code>."
            "</p>" + _table(["EM session (blocking rule)", "pairs", "lambda", "iterations"],
                            rows, css="em"))


def render(inputs: ReportInputs, pair: tuple[str, str] | None = None) -> str:
    """The whole page as text."""
    sections = [_headline(inputs), _quality(inputs), _distribution(inputs),
                _waterfall(inputs, pair), _comparisons(inputs), _blocking(inputs),
                _clusters(inputs), _training(inputs)]
    return ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width, initial-scale=1'>"
            f"<title>UBR model report</title><style>{CSS}</style></head><body>"
            f"<h1>Match model report</h1><p class=source>{escape(inputs.source)}</p>"
            + "".join(sections)
            + "<p class=note>How to read this page: docs/model-report.md.</p></body></html>\n")


def write_report(inputs: ReportInputs, folder: Path, pair: tuple[str, str] | None = None) -> Path:
    """Write `folder/model_report.html` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / REPORT_FILE
    path.write_text(render(inputs, pair), encoding="utf-8")
    return path
