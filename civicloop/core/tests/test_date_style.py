# SPDX-License-Identifier: MPL-2.0
"""Every template writes dates in the one style of its language (config/formats): 2026年12月16日 on
Japanese pages, 16 December 2026 on English ones. A pattern of a template's own (2026-12-16) would
show the same date differently on the next page."""

import re
from pathlib import Path

from django.conf import settings

NAMED = {
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
}
DATE_FILTER = re.compile(r'\|date:"([^"]*)"')


def test_templates_format_dates_only_by_the_languages_named_formats() -> None:
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: |date:{pattern!r}"
        for folder in [settings.BASE_DIR / "templates"]
        for path in Path(folder).rglob("*.html")
        for pattern in DATE_FILTER.findall(path.read_text(encoding="utf-8"))
        if pattern not in NAMED
    ]
    assert not found, "use DATE_FORMAT, DATETIME_FORMAT or YEAR_MONTH_FORMAT:\n" + "\n".join(found)
