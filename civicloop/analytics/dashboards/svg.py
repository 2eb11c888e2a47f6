# SPDX-License-Identifier: MPL-2.0
"""Charts drawn on the server as SVG: bars (grouped or stacked), lines and markers on a category axis.

The dashboards used to draw in the browser with ECharts, which sets style attributes and so broke
the Content-Security-Policy (style-src 'self'), and whose megabyte of script made a dashboard slow on
a work laptop. An SVG made here needs no script at all: colours are presentation attributes (which
the CSP allows, unlike style attributes), each bar and point carries a <title> (the browser shows
it on hover), and the picture is one image for assistive technology, whose figures are in the table
beside it (analytics/dashboard.html).

Drawing units are CSS pixels at the chart's natural width; the SVG scales down on a narrow screen
(with a minimum width and horizontal scrolling, so its text stays readable).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from civicloop.analytics.dashboards.base import Chart, Column, Series

# Okabe–Ito: distinguishable with the common kinds of colour blindness (as the CSS legend swatches).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F", "#000000"]
WIDTH = 640
FONT = 12
INK = "#1a1a1c"
GRID = "#d8d8db"
AXIS_GAP = 6
ROW = 26  # height per category on a horizontal chart
LABEL_CHARS = 14  # category labels longer than this are cut (the full text is in the table)


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour_index: int
    kind: str  # bar | line | marker


@dataclass(frozen=True)
class Drawing:
    svg: SafeString
    legend: list[LegendEntry]
    height: int


def text_width(text: str, size: float = FONT) -> float:
    """Roughly how wide text is drawn: full-width (CJK) characters one em, others about 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def shorten(text: str, chars: int = LABEL_CHARS) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def nice_ticks(low: float, high: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round tick values (1, 2 or 5 × 10ⁿ apart) from at most `low` to at least `high`; whole numbers
    only for counts (no 0.2 of a case)."""
    if high <= low:
        high = low + 1
    raw = max((high - low) / count, 1.0) if whole else (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def format_value(value: float, unit: str = "") -> str:
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text + unit


def _is_count(plotted: Sequence["_Plotted"]) -> bool:
    return all(p.column.kind == "int" for p in plotted)


def _unit(column: Column) -> str:
    return "%" if column.kind == "pct" else ""


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class _Plotted:
    series: Series
    column: Column
    index: int  # the column's position in a row
    colour: int


class _Scale:
    """Values on one axis to pixels along it."""

    def __init__(self, ticks: Sequence[float], start: float, end: float) -> None:
        self.ticks = list(ticks)
        self.start, self.end = start, end
        self.low, self.high = self.ticks[0], self.ticks[-1]

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def draw(chart: Chart) -> Drawing | None:
    """The chart as SVG with its legend; None when it has no rows to draw."""
    if not chart.rows:
        return None
    keys = [c.key for c in chart.columns]
    plotted = [
        _Plotted(s, chart.columns[keys.index(s.key)], keys.index(s.key), i % len(PALETTE))
        for i, s in enumerate(chart.series)
    ]
    categories = [str(row[keys.index(chart.category)]) for row in chart.rows]
    legend = [LegendEntry(p.column.label, p.colour, p.series.type) for p in plotted]
    if chart.horizontal:
        body, height = _horizontal(chart, plotted, categories)
    else:
        body, height = _vertical(chart, plotted, categories)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{escape(chart.id)}-svg-title" '
        f'font-size="{FONT}" fill="{INK}">'
        f'<title id="{escape(chart.id)}-svg-title">{escape(chart.title)}</title>{"".join(body)}</svg>'
    )
    return Drawing(mark_safe(svg), legend, height)  # noqa: S308 - every text in it went through escape()


def _extent(chart: Chart, plotted: Sequence[_Plotted], axis: int) -> tuple[float, float]:
    """Lowest and highest value drawn on an axis, stacks summed; 0 is always included."""
    low = high = 0.0
    for row in chart.rows:
        stacks: dict[str, float] = {}
        for p in plotted:
            if (p.series.axis if not chart.horizontal else 0) != axis:
                continue
            value = _number(row[p.index])
            if value is None:
                continue
            if p.series.type == "bar" and p.series.stack:
                stacks[p.series.stack] = stacks.get(p.series.stack, 0.0) + value
                value = stacks[p.series.stack]
            low, high = min(low, value), max(high, value)
    return low, high


def _slots(plotted: Sequence[_Plotted]) -> dict[int, int]:
    """Which bar slot within a category each bar series takes (a stack shares one); -1 for others."""
    slots: dict[int, int] = {}
    stack_slot: dict[str, int] = {}
    count = 0
    for i, p in enumerate(plotted):
        if p.series.type != "bar":
            slots[i] = -1
        elif p.series.stack and p.series.stack in stack_slot:
            slots[i] = stack_slot[p.series.stack]
        else:
            slots[i] = count
            if p.series.stack:
                stack_slot[p.series.stack] = count
            count += 1
    return slots


def _mark_title(category: str, p: _Plotted, value: float) -> str:
    return (
        f"<title>{escape(category)} — {escape(p.column.label)}: {escape(format_value(value, _unit(p.column)))}</title>"
    )


def _bars_and_points(
    chart: Chart,
    plotted: Sequence[_Plotted],
    categories: Sequence[str],
    band: float,
    along: Any,
    scales: Sequence[_Scale],
) -> list[str]:
    """Every mark: `along(i)` is where category i's band starts; scales[axis] maps values across."""
    slots = _slots(plotted)
    slot_count = max(slots.values()) + 1
    bar = min(band * 0.8 / max(slot_count, 1), 48.0)
    group = bar * slot_count
    parts: list[str] = []
    lines: dict[int, list[tuple[float, float, float, str]]] = {}
    for r, row in enumerate(chart.rows):
        stacks: dict[str, float] = {}
        for i, p in enumerate(plotted):
            value = _number(row[p.index])
            if value is None:
                continue
            scale = scales[0 if chart.horizontal else p.series.axis]
            colour = PALETTE[p.colour]
            centre = along(r) + band / 2
            if p.series.type == "bar":
                base = stacks.get(p.series.stack, 0.0) if p.series.stack else 0.0
                if p.series.stack:
                    stacks[p.series.stack] = base + value
                offset = centre - group / 2 + slots[i] * bar
                a, b = sorted((scale(base), scale(base + value)))
                rect = (offset, a, bar, b - a) if not chart.horizontal else (a, offset, b - a, bar)
                parts.append(
                    f'<rect x="{rect[0]:.1f}" y="{rect[1]:.1f}" width="{rect[2]:.1f}" height="{rect[3]:.1f}" '
                    f'fill="{colour}">{_mark_title(categories[r], p, value)}</rect>'
                )
            else:
                x, y = (centre, scale(value)) if not chart.horizontal else (scale(value), centre)
                lines.setdefault(i, []).append((x, y, value, categories[r]))
    for i, points in lines.items():
        p = plotted[i]
        colour = PALETTE[p.colour]
        if p.series.type == "line" and len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v, _c in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y, value, category in points:
            title = _mark_title(category, p, value)
            if p.series.type == "marker":
                d = 7
                parts.append(
                    f'<path d="M{x:.1f} {y - d:.1f}L{x + d:.1f} {y:.1f}L{x:.1f} {y + d:.1f}L{x - d:.1f} {y:.1f}Z" '
                    f'fill="{colour}" stroke="#ffffff">{title}</path>'
                )
            else:
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#ffffff" stroke="{colour}" '
                    f'stroke-width="2">{title}</circle>'
                )
    return parts


def _vertical(chart: Chart, plotted: Sequence[_Plotted], categories: Sequence[str]) -> tuple[list[str], int]:
    height = 300
    top, bottom = 12, height - 28
    axes = sorted({p.series.axis for p in plotted})
    scales, labels = [], []
    for axis in (0, 1):
        low, high = _extent(chart, plotted, axis)
        ticks = nice_ticks(low, high, whole=_is_count([p for p in plotted if p.series.axis == axis]))
        unit = next((_unit(p.column) for p in plotted if p.series.axis == axis), "")
        scales.append(_Scale(ticks, bottom, top))
        labels.append([format_value(t, unit) for t in ticks])
    left = 8 + max(text_width(t) for t in labels[0]) + AXIS_GAP
    right = WIDTH - 8 - (max(text_width(t) for t in labels[1]) + AXIS_GAP if 1 in axes else 16)
    band = (right - left) / len(categories)
    parts = []
    for t, text in zip(scales[0].ticks, labels[0], strict=True):
        y = scales[0](t)
        parts.append(f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - AXIS_GAP:.1f}" y="{y + 4:.1f}" text-anchor="end">{escape(text)}</text>')
    if 1 in axes:
        for t, text in zip(scales[1].ticks, labels[1], strict=True):
            parts.append(f'<text x="{right + AXIS_GAP:.1f}" y="{scales[1](t) + 4:.1f}">{escape(text)}</text>')
    widest = max(text_width(c) for c in categories) + 8
    every = max(1, math.ceil(widest / band))
    for i, category in enumerate(categories):
        if i % every == 0:
            half = text_width(category) / 2
            x = min(max(left + band * (i + 0.5), half + 2), WIDTH - half - 2)  # never cut at the edges
            parts.append(f'<text x="{x:.1f}" y="{bottom + 18:.1f}" text-anchor="middle">{escape(category)}</text>')
    parts.append(f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{bottom}" y2="{bottom}" stroke="{INK}"/>')
    parts += _bars_and_points(chart, plotted, categories, band, lambda i: left + band * i, scales)
    return parts, height


def _horizontal(chart: Chart, plotted: Sequence[_Plotted], categories: Sequence[str]) -> tuple[list[str], int]:
    top = 8
    height = max(200, top + ROW * len(categories) + 32)
    bottom = height - 24
    low, high = _extent(chart, plotted, 0)
    ticks = nice_ticks(low, high, whole=_is_count(plotted))
    unit = next((_unit(p.column) for p in plotted), "")
    labels = [format_value(t, unit) for t in ticks]
    names = [shorten(c) for c in categories]
    left = 8 + max(text_width(n) for n in names) + AXIS_GAP
    right = WIDTH - 8 - text_width(labels[-1]) / 2
    scale = _Scale(ticks, left, right)
    band = (bottom - top) / len(categories)
    parts = []
    for t, text in zip(ticks, labels, strict=True):
        x = scale(t)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{escape(text)}</text>')
    for i, name in enumerate(names):
        y = top + band * (i + 0.5) + 4
        parts.append(f'<text x="{left - AXIS_GAP:.1f}" y="{y:.1f}" text-anchor="end">{escape(name)}</text>')
    parts.append(f'<line x1="{left:.1f}" x2="{left:.1f}" y1="{top}" y2="{bottom}" stroke="{INK}"/>')
    parts += _bars_and_points(chart, plotted, categories, band, lambda i: top + band * i, [scale, scale])
    return parts, height
