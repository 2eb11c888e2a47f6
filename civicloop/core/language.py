# SPDX-License-Identifier: MPL-2.0
"""Which language to answer in: Japanese first, English for those who choose it (LANGUAGES).

The one test of "is this English?", so that a code such as "en-us", an empty value or no active
language at all (a command, a worker) is judged the same way everywhere: only a code starting
with "en" is English; anything else, including nothing, is Japanese, the site's default.
"""

from django.utils.translation import get_language


def is_english(language: str | None = None) -> bool:
    """True when `language` (by default the active one) is English; False for Japanese or none."""
    code = get_language() if language is None else language
    return (code or "ja").lower().startswith("en")
