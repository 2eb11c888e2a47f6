# SPDX-License-Identifier: MPL-2.0
"""The Japanese table reads as one voice (issue 11): a lint over locale/ja/LC_MESSAGES/django.po.

Full-width colons after Japanese (「エラー：」, not 「エラー:」), no nested brackets
(「…（…（…）…）」, 「『…「…」…』」), サインイン rather than ログイン, and no English tier codes.
"""

import re
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"
HALF_WIDTH_COLON = re.compile(r"[^\x00-\x7f] ?:(?!//)")
NESTED = re.compile(r"（[^）]*（|「[^」]*「|『[^』]*「|\([^)]*\(")
ENGLISH_TIER = re.compile(r"OFFICIAL|SECRET")


def japanese() -> list[tuple[str, str]]:
    entries = [e for e in polib.pofile(str(PO)) if not e.obsolete]
    return [(e.msgid, s) for e in entries for s in [e.msgstr, *e.msgstr_plural.values()] if s]


@pytest.mark.parametrize(
    ("rule", "pattern"),
    [
        ("a half-width colon after Japanese text", HALF_WIDTH_COLON),
        ("nested brackets", NESTED),
        ("ログイン (we say サインイン)", re.compile("ログイン")),
        ("an English tier code (staff read 一般／秘／極秘)", ENGLISH_TIER),
    ],
)
def test_no_japanese_string_has(rule: str, pattern: re.Pattern[str]) -> None:
    offending = [f"{msgid!r} → {msgstr!r}" for msgid, msgstr in japanese() if pattern.search(msgstr)]
    assert not offending, f"{rule}:\n  " + "\n  ".join(offending)


def test_the_lint_catches_what_it_is_for() -> None:
    assert HALF_WIDTH_COLON.search("エラー:") and not HALF_WIDTH_COLON.search("エラー：")
    assert NESTED.search("申請（補正（再提出）を含む）") and NESTED.search("『手続「転入」の案内』")
    assert not NESTED.search("住所（法人の場合）（郵便番号）")


def _translate_ja() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("translate_ja", PO.parents[2] / "translate_ja.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_string_is_translated_twice_differently() -> None:
    # gettext keeps one msgstr per msgid: an app's table re-translating "Send" changed every page's button
    translate_ja: Any = _translate_ja()
    assert translate_ja.conflicts([translate_ja.JA, *translate_ja._each_app_table()]) == []


def test_a_clash_between_tables_is_found() -> None:
    translate_ja: Any = _translate_ja()
    assert translate_ja.conflicts([{"Send": "送信する", "Save": "保存"}, {"Send": "送信", "Save": "保存"}]) == [
        "'Send': '送信する' vs '送信'"
    ]
