# SPDX-License-Identifier: MPL-2.0
"""Charts drawn as SVG on the server (dashboards/svg.py): what the CSP allows, and figures that add up."""

import re

from civicloop.analytics.dashboards.base import Chart, Column, Series
from civicloop.analytics.dashboards.svg import draw, nice_ticks


def monthly(rows: list[list[object]], **options: object) -> Chart:
    chart = Chart(
        "flow",
        "受付と処理",
        "",
        [
            Column("month", "月"),
            Column("online", "オンライン", "int"),
            Column("counter", "窓口", "int"),
            Column("rate", "オンライン利用率（%）", "pct"),
        ],
        "month",
        [Series("online", stack="all"), Series("counter", stack="all"), Series("rate", "line", axis=1)],
        **options,  # type: ignore[arg-type]
    )
    for row in rows:
        chart.add(row)
    return chart


def test_a_chart_has_no_style_attribute_and_no_script() -> None:
    drawing = draw(monthly([["2026年1月", 9, 7, 56.3], ["2026年2月", 14, 11, 56.0]]))
    assert drawing is not None
    assert "style=" not in drawing.svg and "<script" not in drawing.svg
    assert re.search(r'<svg[^>]* role="img" aria-labelledby="flow-svg-title"', drawing.svg)
    assert '<title id="flow-svg-title">受付と処理</title>' in drawing.svg


def test_every_figure_is_a_mark_with_its_value_in_words() -> None:
    drawing = draw(monthly([["2026年1月", 9, 7, 56.3], ["2026年2月", 14, 11, None]]))
    assert drawing is not None
    titles = re.findall(r"<title>([^<]*)</title>", drawing.svg)
    assert "2026年1月 — オンライン: 9" in titles
    assert "2026年1月 — オンライン利用率（%）: 56.3%" in titles
    assert not any(t.startswith("2026年2月 — オンライン利用率") for t in titles), "no mark for a missing value"
    assert [(e.label, e.kind) for e in drawing.legend] == [
        ("オンライン", "bar"),
        ("窓口", "bar"),
        ("オンライン利用率（%）", "line"),
    ]


def test_stacked_bars_sit_on_each_other() -> None:
    drawing = draw(monthly([["2026年1月", 10, 10, 50.0]]))
    assert drawing is not None
    rects = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', drawing.svg)
    (x1, y1, w1, h1), (x2, y2, w2, h2) = [tuple(map(float, r)) for r in rects]
    assert x1 == x2 and w1 == w2, "one slot for the stack"
    assert abs(h1 - h2) < 0.2 and abs((y2 + h2) - y1) < 0.2, "the second bar starts where the first ends"


def test_text_from_the_data_is_escaped() -> None:
    drawing = draw(monthly([["<script>alert(1)</script>", 1, 1, 50.0]]))
    assert drawing is not None
    assert "<script>" not in drawing.svg and "&lt;script&gt;" in drawing.svg


def test_an_empty_chart_draws_nothing() -> None:
    assert draw(monthly([])) is None


def test_ticks_are_round_and_counts_have_no_fractions() -> None:
    assert nice_ticks(0, 47) == [0, 10, 20, 30, 40, 50]
    assert nice_ticks(0, 1, whole=True) == [0, 1]
    assert nice_ticks(0, 0.8) == [0, 0.2, 0.4, 0.6, 0.8]


def test_the_marks_are_the_svgs_children_and_a_label_reads_as_written() -> None:
    # given a category with the characters a Python list's repr would quote or escape
    label = 'Residents\' \\ "desk"'
    drawing = draw(monthly([[label, 9, 7, 56.3]], horizontal=True))
    assert drawing is not None
    # then the SVG's children are its elements one after another, with the label in them as written
    body = drawing.svg.split("</title>", 1)[1]
    assert body.startswith("<line") and "'<" not in body and ">'" not in body
    assert "Residents&#x27; \\ &quot;desk&quot;" in drawing.svg
