# SPDX-License-Identifier: MPL-2.0
"""Japanese for the resident form pages' strings (merged by locale/translate_ja.py)."""

JA: dict[str, str | list[str]] = {
    "Filled in from your sign-in": "デジタル認証アプリから入力しました",
}
