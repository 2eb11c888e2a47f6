# SPDX-License-Identifier: MPL-2.0
"""Markings of exported documents: the tier at top and bottom, the viewer's watermark above OFFICIAL."""

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.template import Context as TemplateContext
from django.template import Template
from weasyprint import HTML

from civicloop.accounts.models import User
from civicloop.classification.marking import highest, mark_csv, marking_for

AT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)  # 10:30 in Tokyo


def test_an_official_csv_is_marked_at_top_and_bottom_without_a_watermark() -> None:
    marking = marking_for("OFFICIAL", viewer=User(full_name="清掃 一郎"), at=AT)
    rows = list(mark_csv([["受付番号", "品目"], ["2026-7KQ4-M9XD", "ソファ"]], marking))
    assert rows[0] == rows[-1] == [marking.line]
    assert rows[0][0].startswith("OFFICIAL（一般）") and rows[1:-1] == [
        ["受付番号", "品目"],
        ["2026-7KQ4-M9XD", "ソファ"],
    ]
    assert marking.watermark == ""


def test_a_secret_export_carries_the_viewers_name_and_the_time_in_tokyo() -> None:
    marking = marking_for("SECRET", viewer=User(full_name="髙橋 花子"), at=AT)
    assert marking.watermark == "髙橋 花子 2026-11-26 10:30 JST"
    rows = list(mark_csv([], marking))
    assert rows == [[marking.line, marking.watermark]] * 2
    assert "電子メール送信禁止" in marking.line and "never e-mail" in marking.line


def test_the_pdf_css_puts_the_marking_in_the_page_margins() -> None:
    css = marking_for("TOP_SECRET", viewer=User(username="u1"), at=AT).css()
    assert "@top-center" in css and "@bottom-center" in css and "TOP SECRET（極秘）" in css


def test_a_document_takes_the_highest_tier_of_its_parts() -> None:
    assert highest(["OFFICIAL", "TOP_SECRET", "SECRET"]) == "TOP_SECRET"
    assert highest([]) == "OFFICIAL"


def _pdftotext(mode: str, pdf: Path) -> str:
    tool = shutil.which("pdftotext") or "pdftotext"
    return subprocess.run([tool, mode, str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_a_real_pdf_carries_the_marking_on_every_page_and_the_watermark(tmp_path: Path) -> None:
    # given a two-page document marked for a SECRET export, rendered by WeasyPrint
    marking = marking_for("SECRET", viewer=User(full_name="髙橋 花子"), at=AT)
    html = Template(
        "{% load static %}<html><head><style>{{ css|safe }} body { font-family: 'Noto Sans CJK JP'; }</style></head>"
        '<body>{% include "classification/pdf_marking.html" %}<p>一頁目</p>'
        '<p style="page-break-before: always">二頁目</p></body></html>'
    ).render(TemplateContext({"css": marking.css(), "marking": marking}))
    pdf = tmp_path / "export.pdf"
    pdf.write_bytes(HTML(string=html).write_pdf())
    # when its text is extracted page by page
    pages = _pdftotext("-layout", pdf)
    # then each page has the marking at top and bottom, and the watermark names the viewer
    for page in pages.split("\f")[:2]:
        assert page.count("SECRET（秘）") == 2
    # the watermark is rotated, so its characters come out one per line: compare without whitespace
    raw = _pdftotext("-raw", pdf)
    assert "髙橋花子2026-11-2610:30JST" in "".join(raw.split())
