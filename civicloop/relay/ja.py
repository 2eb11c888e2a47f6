# SPDX-License-Identifier: MPL-2.0
"""Japanese for this app's UI strings; merged by locale/translate_ja.py."""

JA: dict[str, str | list[str]] = {}
