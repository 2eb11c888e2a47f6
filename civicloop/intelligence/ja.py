# SPDX-License-Identifier: MPL-2.0
"""Japanese for the inquiry and help strings (merged by locale/translate_ja.py)."""

JA: dict[str, str | list[str]] = {
    "Only the department this inquiry is with can answer or move it.": "回答や担当課の変更ができるのは、このお問い合わせを担当する課だけです。",
}
