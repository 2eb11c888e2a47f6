# SPDX-License-Identifier: MPL-2.0
"""A readable diff of two versions' text, side by side, as HTML (difflib, on the server)."""

import difflib
import re

from django.utils.safestring import SafeString, mark_safe

from civicloop.authoring.models import Version

# difflib's "next change" links: a cell in every row and a header cell per side. Both go, or the
# header's six columns stand over the body's four.
_NAVIGATION = re.compile(r'<t([dh]) class="diff_next"[^>]*>.*?</t\1>')


def side_by_side(older: Version, newer: Version) -> SafeString:
    """A table of the two texts line by line; difflib escapes the text it puts in the cells."""
    table = difflib.HtmlDiff(wrapcolumn=60).make_table(
        older.text.splitlines(),
        newer.text.splitlines(),
        f"v{older.number}",
        f"v{newer.number}",
        context=True,
        numlines=2,
    )
    table = _NAVIGATION.sub("", table).replace("<colgroup></colgroup>", "")  # useless on one screen
    # difflib's table carries presentational attributes (cellspacing, rules, nowrap) the CSP leaves
    # harmless; the class replaces its id-based styles with editor.css.
    return mark_safe(table.replace('class="diff"', 'class="authoring-diff"', 1))  # noqa: S308  # escaped by difflib
