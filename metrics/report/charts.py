"""Inline SVG bar charts (no script, no external resource), returned as markup strings."""
from __future__ import annotations

import math

from markupsafe import Markup, escape

# One colour per implementation (colour-blind safe, Okabe-Ito), and per line class.
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
LINE_CLASS_COLOURS = {
    "media": "#56B4E9",
    "orchestration": "#BBBBBB",
    "state": "#E69F00",
    "error_handling": "#D55E00",
}
_LABEL_WIDTH = 230
_BAR_HEIGHT = 14
_GAP = 10
_WIDTH = 760


def grouped_bars(title: str, categories: list[str], series: dict[str, list[float]]) -> Markup:
    """One group of horizontal bars per category, one bar per series; each category scaled to its own
    maximum (the figures have different units), with the value written at the bar's end."""
    names = list(series)
    group_height = len(names) * _BAR_HEIGHT + _GAP
    legend_height = 24
    height = legend_height + len(categories) * group_height + 10
    plot = _WIDTH - _LABEL_WIDTH - 70
    parts = [_open(title, height), _legend(names, 0)]
    for index, category in enumerate(categories):
        top = legend_height + index * group_height
        values = [series[name][index] for name in names]
        peak = max(values) or 1
        parts.append(f'<text x="{_LABEL_WIDTH - 8}" y="{top + len(names) * _BAR_HEIGHT / 2 + 4}" '
                     f'text-anchor="end" class="label">{escape(category)}</text>')
        for row, (name, value) in enumerate(zip(names, values)):
            y = top + row * _BAR_HEIGHT
            width = plot * value / peak
            colour = SERIES_COLOURS[row % len(SERIES_COLOURS)]
            parts.append(f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{_BAR_HEIGHT - 2}" '
                         f'fill="{colour}"><title>{escape(name)}: {escape(category)} = {_number(value)}</title></rect>')
            parts.append(f'<text x="{_LABEL_WIDTH + width + 4:.1f}" y="{y + _BAR_HEIGHT - 4}" class="value">'
                         f'{_number(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bars(title: str, rows: dict[str, dict[str, float]], colours: dict[str, str],
                 labels: dict[str, str]) -> Markup:
    """One horizontal bar per row, split into the given parts, on one common scale."""
    legend_height = 24
    row_height = 26
    height = legend_height + len(rows) * row_height + 10
    plot = _WIDTH - _LABEL_WIDTH - 70
    peak = max((sum(parts.values()) for parts in rows.values()), default=0) or 1
    parts_svg = [_open(title, height)]
    x = 0
    for key, colour in colours.items():
        parts_svg.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>'
                         f'<text x="{x + 16}" y="14" class="label">{escape(labels.get(key, key))}</text>')
        x += 30 + 7 * len(labels.get(key, key))
    for index, (name, values) in enumerate(rows.items()):
        y = legend_height + index * row_height
        parts_svg.append(f'<text x="{_LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" class="label">'
                         f'{escape(name)}</text>')
        left = float(_LABEL_WIDTH)
        for key, colour in colours.items():
            value = values.get(key, 0)
            width = plot * value / peak
            parts_svg.append(f'<rect x="{left:.1f}" y="{y}" width="{width:.1f}" height="20" fill="{colour}">'
                             f'<title>{escape(name)}: {escape(labels.get(key, key))} = {_number(value)}</title></rect>')
            left += width
        parts_svg.append(f'<text x="{left + 4:.1f}" y="{y + 15}" class="value">'
                         f'{_number(sum(values.values()))}</text>')
    parts_svg.append("</svg>")
    return Markup("".join(parts_svg))


def _open(title: str, height: int) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_WIDTH} {height}" '
            f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>')


def _legend(names: list[str], y: int, x: float = _LABEL_WIDTH) -> str:
    parts = []
    for index, name in enumerate(names):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        parts.append(f'<rect x="{x}" y="{y + 4}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="{y + 14}" class="label">{escape(name)}</text>')
        x += 30 + 8 * len(name)
    return "".join(parts)


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def line_chart(title: str, x_label: str, y_label: str, series: dict[str, list[tuple[float, float]]]) -> Markup:
    """One line per series through its measured points, on a log2 x axis (chunk counts that double) and a
    linear y axis from 0; every point is marked, its value in a tooltip."""
    height, left, right, top, bottom = 300, 80, 20, 34, 46
    plot_w, plot_h = _WIDTH - left - right, height - top - bottom
    xs = sorted({x for points in series.values() for x, _ in points if x > 0})
    peak = max((y for points in series.values() for _, y in points), default=0) or 1
    if not xs:
        return Markup("")
    low, high = math.log2(xs[0]), math.log2(xs[-1])
    span = (high - low) or 1

    def px(x: float) -> float:
        return left + plot_w * ((math.log2(x) - low) / span if high > low else 0.5)

    def py(y: float) -> float:
        return top + plot_h * (1 - y / peak)

    parts = [_open(title, height), _legend(list(series), 0, x=left)]
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#888"/>'
                 f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#888"/>')
    for x in xs:
        parts.append(f'<text x="{px(x):.1f}" y="{top + plot_h + 16}" text-anchor="middle" class="label">'
                     f'{_number(x)}</text>')
    for fraction in (0, 0.5, 1):
        y = peak * fraction
        parts.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end" class="value">{_short(y)}</text>'
                     f'<line x1="{left}" y1="{py(y):.1f}" x2="{left + plot_w}" y2="{py(y):.1f}" stroke="#eee"/>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle" class="label">'
                 f'{escape(x_label)}</text>'
                 f'<text x="12" y="{top + plot_h / 2}" text-anchor="middle" class="label" '
                 f'transform="rotate(-90 12 {top + plot_h / 2})">{escape(y_label)}</text>')
    for index, (name, points) in enumerate(series.items()):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        points = sorted(p for p in points if p[0] > 0)
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in points:
            parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}">'
                         f'<title>{escape(name)}: {_number(x)} chunks, {escape(y_label)} = {_short(y)}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(value: float) -> str:
    """A compact axis or point label: 3 significant digits, thousands separated."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"
