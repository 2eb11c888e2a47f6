# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django import template

from civicloop.core.language import is_english

register = template.Library()


@register.filter
def tr(value: Any) -> str:
    """A {ja, en} mapping from a catalogue file, in the active language."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    english = is_english()
    return str(value.get("en" if english else "ja") or value.get("ja") or "")


@register.filter
def yen(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""
