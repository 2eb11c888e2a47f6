# SPDX-License-Identifier: MPL-2.0
"""Japanese text folding for search: width, kana and case differences do not matter."""

import unicodedata

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def fold(text: str) -> str:
    """Fold text so that 'ｿﾀﾞｲｺﾞﾐ', 'ソダイゴミ' and 'そだいごみ' compare equal.

    NFKC turns half-width katakana and full-width ASCII into their ordinary forms; katakana then
    becomes hiragana; Latin letters are lower-cased; whitespace (including 全角スペース) is dropped.
    """
    text = unicodedata.normalize("NFKC", text).translate(_KATAKANA_TO_HIRAGANA).casefold()
    return "".join(text.split())
