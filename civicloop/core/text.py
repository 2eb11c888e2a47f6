# SPDX-License-Identifier: MPL-2.0
"""Search text: Japanese folding (width, kana and case differences do not matter), and the
characters a search cannot use."""

import unicodedata

from django.utils.translation import gettext_lazy

# PostgreSQL text cannot hold NUL (U+0000): a query with one fails inside the database (a 500 where
# SQLite quietly finds nothing). Nobody types it; it comes from a pasted binary or a probe. A page
# that searches or looks something up by what was typed checks first and answers 400 with this.
UNUSABLE_CHARACTERS = frozenset("\x00")
UNUSABLE_TEXT = gettext_lazy("The search text contains a character that cannot be used. Remove it and search again.")


def has_unusable_character(*texts: str) -> bool:
    """Whether any of `texts` holds a character no search can use (UNUSABLE_CHARACTERS)."""
    return any(not UNUSABLE_CHARACTERS.isdisjoint(text) for text in texts)


def without_unusable_characters(text: str) -> str:
    """`text` with those characters taken out: to show it again in the search box."""
    return "".join(ch for ch in text if ch not in UNUSABLE_CHARACTERS)


_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def fold(text: str) -> str:
    """Fold text so that 'ｿﾀﾞｲｺﾞﾐ', 'ソダイゴミ' and 'そだいごみ' compare equal.

    NFKC turns half-width katakana and full-width ASCII into their ordinary forms; katakana then
    becomes hiragana; Latin letters are lower-cased; whitespace (including 全角スペース) is dropped.
    """
    text = unicodedata.normalize("NFKC", text).translate(_KATAKANA_TO_HIRAGANA).casefold()
    return "".join(text.split())
