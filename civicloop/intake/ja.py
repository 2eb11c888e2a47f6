# SPDX-License-Identifier: MPL-2.0
"""Japanese for this app's UI strings (and the channel labels of applications); merged by locale/translate_ja.py."""

JA: dict[str, str | list[str]] = {
    "Online (this site)": "オンライン（本サイト）",
    "Mynaportal Pittari Service": "ぴったりサービス",
    "LoGo Form": "LoGoフォーム",
    "Post": "郵送",
    "From an inquiry": "問い合わせから",
}
