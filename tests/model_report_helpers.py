"""Reading a model report back: its charts, tables and links, parsed with the standard
library's HTML parser (what a browser would find, without pixels)."""

import json
from html.parser import HTMLParser
from pathlib import Path


class ParsedReport(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.charts: list[str] = []  # data-chart of each <svg>
        self.comparisons: list[str] = []  # data-comparison of each <h3>
        self.level_cells: dict[str, list[str]] = {}  # comparison -> first cell of each row
        self.steps: list[float] = []  # the waterfall's step bars
        self.totals: list[float] = []  # the waterfall's total bar
        self.pair: dict[str, str] = {}  # the waterfall pair's attributes
        self.figures: dict[str, str] = {}  # headline card -> its figure
        self.links: list[tuple[str, str, str]] = []  # tag, attribute, value
        self.tags: set[str] = set()
        self._chart, self._table, self._card = "", "", ""
        self._cell, self._in_b = -1, False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        self.links += [(tag, k, v) for k, v in a.items() if k in ("src", "href", "xlink:href")]
        if tag == "svg":
            self._chart = a.get("data-chart", "")
            self.charts.append(self._chart)
        elif tag == "h3" and "data-comparison" in a:
            self.comparisons.append(a["data-comparison"])
        elif tag == "table":
            self._table = a.get("class", "")
        elif tag == "tr":
            self._cell = -1
        elif tag == "td":
            self._cell += 1
        elif tag == "rect" and self._chart == "waterfall":
            if a.get("class") == "step":
                self.steps.append(float(a["data-value"]))
            elif a.get("class") == "total":
                self.totals.append(float(a["data-value"]))
        elif tag == "b" and "data-pair-left" in a:
            self.pair = a
        elif tag == "div" and "data-figure" in a:
            self._card = a["data-figure"]
        elif tag == "b" and self._card:
            self._in_b = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = ""
        elif tag == "b":
            self._in_b = False
        elif tag == "div":
            self._card = ""

    def handle_data(self, data: str) -> None:
        if self._table == "levels" and self._cell == 0 and self.comparisons and data.strip():
            self.level_cells.setdefault(self.comparisons[-1], []).append(data)
        if self._in_b and self._card:
            self.figures[self._card] = data


def parse_report(path: Path) -> ParsedReport:
    parsed = ParsedReport()
    parsed.feed(path.read_text(encoding="utf-8"))
    return parsed


def common_values(model_json: Path) -> set[str]:
    """The field values model.json keeps (its term-frequency summary): never in a report."""
    model = json.loads(model_json.read_text(encoding="utf-8"))
    return {value for values in model.get("tf_summary", {}).values() for value in values
            if len(value) >= 5}
