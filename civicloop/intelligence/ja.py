# SPDX-License-Identifier: MPL-2.0
"""Japanese for the inquiry and help strings (merged by locale/translate_ja.py)."""

JA: dict[str, str | list[str]] = {
    "Only the department this inquiry is with can answer or move it.": "回答や担当課の変更ができるのは、このお問い合わせを担当する課だけです。",
    # the triage admin: no raw values
    "Suggested department": "推定された担当課",
    "Confidence of the suggestion": "推定の確からしさ",
    "Candidate departments": "担当課の候補",
    "Words that weighed most": "判断の決め手になった語",
    "High": "高",
    "Medium": "中",
    "Low": "低",
    "%(word)s (%(percent)s)": "%(word)s（%(percent)s）",
}
