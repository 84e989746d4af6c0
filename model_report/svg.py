"""Small inline SVG charts, drawn in Python so the report opens offline with no script.

Each chart is a string holding one `<svg>` element sized by its viewBox (it scales with the
page). Every bar carries its figure in a `data-value` attribute and a `<title>` tooltip, so
the numbers behind a picture can be read, and tested, without measuring pixels.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

WIDTH = 720
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 56
COLOURS = {"m": "#1f77b4", "u": "#ff7f0e", "match": "#2ca02c", "review": "#e6ab02",
           "non_match": "#9e9e9e", "up": "#2ca02c", "down": "#d62728", "total": "#1f4e79",
           "precision": "#1f77b4", "recall": "#d62728", "bar": "#5b8db8"}


@dataclass(frozen=True)
class Marker:
    """A vertical line at `x` (in data units) with a label: a threshold."""

    x: float
    label: str


def _num(value: float) -> str:
    return f"{value:.1f}"


def _open(height: int, label: str, kind: str) -> str:
    return (f'<svg class="chart" data-chart="{kind}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(label)}">'
            f"<title>{escape(label)}</title>")


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 11,
          extra: str = "") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}"'
            f"{extra}>{escape(text)}</text>")


def _rect(x: float, y: float, w: float, h: float, colour: str, tip: str, value: float,
          extra: str = "") -> str:
    return (f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0.5))}" '
            f'height="{_num(max(h, 0.0))}" fill="{colour}" data-value="{value:.6g}"{extra}>'
            f"<title>{escape(tip)}</title></rect>")


def _y_axis(height: int, top: float, ticks: Sequence[tuple[float, str]], label: str) -> str:
    """Grid lines at `ticks` (pixel y, text) and the axis title."""
    parts = [f'<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{height - BOTTOM}" '
             'stroke="#333"/>']
    for y, text in ticks:
        parts.append(f'<line x1="{LEFT}" y1="{_num(y)}" x2="{WIDTH - RIGHT}" y2="{_num(y)}" '
                     'stroke="#ddd"/>')
        parts.append(_text(LEFT - 6, y + 4, text, "end", 10))
    middle = (top + height - BOTTOM) / 2
    parts.append(_text(14, middle, label, "middle", 11,
                       f' transform="rotate(-90 14 {_num(middle)})"'))
    return "".join(parts)


def _legend(items: Sequence[tuple[str, str]], y: float) -> str:
    parts, x = [], LEFT
    for name, colour in items:
        parts.append(f'<rect x="{x}" y="{_num(y - 9)}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(x + 14, y, name, "start", 11))
        x += 22 + 7 * len(name)
    return "".join(parts)


def grouped_bars(groups: Sequence[str], series: dict[str, Sequence[float]], label: str,
                 y_label: str, notes: Sequence[str] = (), kind: str = "grouped_bars") -> str:
    """Bars side by side per group (m and u per level), values 0-1, a note under each group."""
    height = 240
    plot_h = height - TOP - BOTTOM
    span = (WIDTH - LEFT - RIGHT) / max(len(groups), 1)
    bar_w = span * 0.8 / max(len(series), 1)
    parts = [_open(height, label, kind),
             _y_axis(height, TOP, [(TOP + plot_h * (1 - t), f"{t:.2f}")
                                   for t in (0, 0.25, 0.5, 0.75, 1)], y_label)]
    for g, group in enumerate(groups):
        x0 = LEFT + g * span + span * 0.1
        for s, (name, values) in enumerate(series.items()):
            value = float(values[g])
            h = plot_h * min(max(value, 0.0), 1.0)
            parts.append(_rect(x0 + s * bar_w, TOP + plot_h - h, bar_w - 1, h,
                               COLOURS.get(name, COLOURS["bar"]),
                               f"{group}: {name} = {value:.4f}", value,
                               f' data-series="{escape(name)}" data-group="{escape(group)}"'))
        centre = LEFT + g * span + span / 2
        parts.append(_text(centre, height - BOTTOM + 14, group, size=10))
        if g < len(notes):
            parts.append(_text(centre, height - BOTTOM + 28, notes[g], size=10))
    parts.append(_legend([(n, COLOURS.get(n, COLOURS["bar"])) for n in series], height - 8))
    return "".join(parts) + "</svg>"


def _x_scale(low: float, high: float):  # noqa: ANN202 - a closure
    span = (high - low) or 1.0
    return lambda x: LEFT + (x - low) / span * (WIDTH - LEFT - RIGHT)


def _markers(markers: Sequence[Marker], to_x, top: float, bottom: float) -> str:  # noqa: ANN001
    parts = []
    for k, marker in enumerate(markers):
        x = to_x(marker.x)
        parts.append(f'<line class="marker" x1="{_num(x)}" y1="{top}" x2="{_num(x)}" '
                     f'y2="{bottom}" stroke="#000" stroke-dasharray="4 3" '
                     f'data-x="{marker.x:.6g}"/>')
        parts.append(_text(x + 3, top + 10 + 12 * k, marker.label, "start", 10))
    return "".join(parts)


def histogram(edges: Sequence[float], counts: Sequence[float], colours: Sequence[str],
              label: str, x_label: str, markers: Sequence[Marker] = (),
              legend: Sequence[tuple[str, str]] = ()) -> str:
    """Bars over [edge_k, edge_k+1), height on a log10(1 + count) scale (non-matches
    outnumber matches by orders of magnitude), with threshold markers."""
    height = 260
    plot_h = height - TOP - BOTTOM
    counts = np.asarray(counts, float)
    top_log = max(float(np.log10(1 + counts.max(initial=0))), 1.0)
    to_x = _x_scale(float(edges[0]), float(edges[-1]))
    ticks = [(TOP + plot_h * (1 - p / top_log), f"{10 ** p:,.0f}")
             for p in range(int(np.floor(top_log)) + 1)]
    parts = [_open(height, label, "histogram"), _y_axis(height, TOP, ticks, "pairs (log)")]
    for k, count in enumerate(counts):
        if count <= 0:
            continue
        h = plot_h * np.log10(1 + count) / top_log
        x, x1 = to_x(edges[k]), to_x(edges[k + 1])
        parts.append(_rect(x, TOP + plot_h - h, x1 - x - 0.5, h, colours[k],
                           f"{edges[k]:.2f} to {edges[k + 1]:.2f}: {count:,.0f}", count,
                           f' data-from="{edges[k]:.6g}"'))
    for tick in range(int(np.ceil(edges[0])), int(np.floor(edges[-1])) + 1, 5):
        parts.append(_text(to_x(tick), height - BOTTOM + 14, str(tick), size=10))
    parts.append(_text((LEFT + WIDTH) / 2, height - BOTTOM + 30, x_label))
    parts.append(_markers(markers, to_x, TOP, height - BOTTOM))
    parts.append(_legend(legend, height - 8))
    return "".join(parts) + "</svg>"


def waterfall(steps: Sequence[tuple[str, float]], total_label: str, label: str) -> str:
    """One row per step (prior, then each comparison), each bar from the running total to
    the next; the last row the total from zero. Rows, so long labels stay readable."""
    row_h, left = 22, 220
    height = TOP + row_h * (len(steps) + 1) + 40
    running = np.concatenate([[0.0], np.cumsum([v for _, v in steps])])
    low, high = min(0.0, running.min()) - 1, max(0.0, running.max()) + 1
    span = high - low

    def to_x(x: float) -> float:
        return left + (x - low) / span * (WIDTH - left - RIGHT)

    parts = [_open(height, label, "waterfall")]
    zero = to_x(0.0)
    parts.append(f'<line x1="{_num(zero)}" y1="{TOP}" x2="{_num(zero)}" '
                 f'y2="{height - 40}" stroke="#333"/>')
    for k, (name, value) in enumerate(steps):
        y = TOP + k * row_h
        a, b = to_x(running[k]), to_x(running[k + 1])
        colour = COLOURS["up"] if value >= 0 else COLOURS["down"]
        parts.append(_text(left - 6, y + 15, name, "end", 11))
        parts.append(_rect(min(a, b), y + 3, abs(b - a), row_h - 6, colour,
                           f"{name}: {value:+.2f}", value, ' class="step"'))
        parts.append(_text(max(a, b) + 4, y + 15, f"{value:+.2f}", "start", 10))
    y = TOP + len(steps) * row_h
    total = float(running[-1])
    a, b = zero, to_x(total)
    parts.append(_text(left - 6, y + 15, total_label, "end", 11, ' font-weight="bold"'))
    parts.append(_rect(min(a, b), y + 3, abs(b - a), row_h - 6, COLOURS["total"],
                       f"{total_label}: {total:+.2f}", total, ' class="total"'))
    parts.append(_text(max(a, b) + 4, y + 15, f"{total:+.2f}", "start", 10))
    for tick in range(int(np.ceil(low)), int(np.floor(high)) + 1, 5 if span > 20 else 2):
        parts.append(_text(to_x(tick), height - 24, str(tick), size=10))
    parts.append(_text((left + WIDTH) / 2, height - 8, "match weight (log2 of the odds)"))
    return "".join(parts) + "</svg>"


def lines(x: Sequence[float], series: dict[str, Sequence[float]], label: str, x_label: str,
          markers: Sequence[Marker] = (), points: Sequence[tuple[float, float, str]] = ()) -> str:
    """Lines over x with values 0-1 (precision and recall against the threshold), threshold
    markers and labelled points (the run's own estimate)."""
    height = 260
    plot_h = height - TOP - BOTTOM
    to_x = _x_scale(float(min(x)), float(max(x)))

    def to_y(v: float) -> float:
        return TOP + plot_h * (1 - v)

    parts = [_open(height, label, "lines"),
             _y_axis(height, TOP, [(to_y(t), f"{t:.2f}") for t in (0, 0.25, 0.5, 0.75, 1)],
                     "share")]
    for name, values in series.items():
        path = " ".join(f"{_num(to_x(a))},{_num(to_y(float(b)))}"
                        for a, b in zip(x, values, strict=True))
        parts.append(f'<polyline points="{path}" fill="none" stroke-width="2" '
                     f'stroke="{COLOURS.get(name, COLOURS["bar"])}" '
                     f'data-series="{escape(name)}"/>')
    for px, py, text in points:
        parts.append(f'<circle cx="{_num(to_x(px))}" cy="{_num(to_y(py))}" r="4" '
                     f'fill="#000" data-value="{py:.6g}"><title>{escape(text)}</title></circle>')
    for tick in range(int(np.ceil(min(x))), int(np.floor(max(x))) + 1, 5):
        parts.append(_text(to_x(tick), height - BOTTOM + 14, str(tick), size=10))
    parts.append(_text((LEFT + WIDTH) / 2, height - BOTTOM + 30, x_label))
    parts.append(_markers(markers, to_x, TOP, height - BOTTOM))
    parts.append(_legend([(n, COLOURS.get(n, COLOURS["bar"])) for n in series], height - 8))
    return "".join(parts) + "</svg>"


def bars(labels: Sequence[str], values: Sequence[float], label: str, y_label: str) -> str:
    """Plain vertical bars, height on a linear scale (cluster sizes)."""
    height = 240
    plot_h = height - TOP - BOTTOM
    top = max(max(values, default=0), 1)
    span = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    ticks = [(TOP + plot_h * (1 - t), f"{top * t:,.0f}") for t in (0, 0.25, 0.5, 0.75, 1)]
    parts = [_open(height, label, "bars"), _y_axis(height, TOP, ticks, y_label)]
    for k, (name, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top
        parts.append(_rect(LEFT + k * span + span * 0.1, TOP + plot_h - h, span * 0.8, h,
                           COLOURS["bar"], f"{name}: {value:,.0f}", value))
        parts.append(_text(LEFT + k * span + span / 2, height - BOTTOM + 14, name, size=10))
    return "".join(parts) + "</svg>"
