# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def tr(value: Any) -> str:
    """A {ja, en} mapping from a catalogue file, in the active language."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    english = (get_language() or "ja").startswith("en")
    return str(value.get("en" if english else "ja") or value.get("ja") or "")


@register.filter
def yen(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""
