# SPDX-License-Identifier: MPL-2.0
"""Japanese for the form engine's strings (merged by locale/translate_ja.py)."""

JA: dict[str, str | list[str]] = {
    # Date rules (daterules.DateRule.describe): the sentence is built from these pieces, so each
    # Japanese template places 以降／以前／まで before the kind of day.
    "a date": "日付",
    "a weekday": "平日",
    "a working day": "平日",
    "between %(start)s and %(end)s": "%(start)sから%(end)sまでの",
    "on or after %(date)s": "%(date)s以降の",
    "on or before %(date)s": "%(date)s以前の",
    "%(label)s must be %(kind)s %(span)s": "%(label)sは%(span)s%(kind)sを選んでください",
    "Choose %(kind)s %(span)s": "%(span)s%(kind)sを選んでください",
    "Monday to Friday": "月曜日〜金曜日",
    "not a weekend, a public holiday or 29 December to 3 January": "土日祝日と12月29日〜1月3日を除く",
    # Search with no result (templates/catalog/procedure_list.html): a full-width colon, no "?".
    'Did you mean: <a href="?q=%(q)s">%(term)s</a>?': 'もしかして：<a href="?q=%(q)s">%(term)s</a>',
    "Not sure which procedure you need?": "どの手続きか分からないときは",
    "Look for answers in help": "「こんなときどうする？」で答えを探す",
    "%(label)s must be a Japanese phone number with its area code, such as 03-1234-5678 or 090-1234-5678": (
        "%(label)sは「03-1234-5678」「090-1234-5678」のように市外局番から入力してください"
    ),
    # Empty fields (formschema.messages): a question gets an instruction after it, a
    # declaration is quoted after a full-width colon; neither nests brackets.
    "Select an answer to “%(question)s”": "%(question)s。答えを選んでください",
    "Enter an answer to “%(question)s”": "%(question)s。答えを入力してください",
    "Tick the box to confirm: %(statement)s": "内容を確認してチェックを入れてください：%(statement)s",
}
