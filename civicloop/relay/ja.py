# SPDX-License-Identifier: MPL-2.0
"""Japanese for this app's UI strings; merged by locale/translate_ja.py."""

JA: dict[str, str | list[str]] = {
    "Healthy": "正常",
    "Retrying": "再送中",
    "Inactive": "停止中",
    "Pending": "送信待ち",
    "Delivered": "配信済み",
    "Failed": "失敗",
    "Withheld": "送信保留",
}
