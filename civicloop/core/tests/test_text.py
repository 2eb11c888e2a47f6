# SPDX-License-Identifier: MPL-2.0
from civicloop.core.text import fold


def test_kana_width_and_case_fold_to_one_form() -> None:
    assert fold("ｿﾀﾞｲｺﾞﾐ") == fold("ソダイゴミ") == fold("そだいごみ")
    assert fold("ＡＢＣ　１２３") == fold("abc123")


def test_kanji_are_kept_as_they_are() -> None:
    assert fold("粗大ごみ") == "粗大ごみ"
    assert fold("𠮷田") == "𠮷田"
