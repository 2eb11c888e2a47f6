# SPDX-License-Identifier: MPL-2.0
"""What an error says: the field's label in context, phrased for a question, a declaration or a name."""

import re
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from jsonschema.exceptions import ValidationError

from civicloop.catalog import phone
from civicloop.catalog.daterules import RULE_KEY, DateRule
from civicloop.catalog.formschema.fields import Schema, node_at


def _label(node: Schema, english: bool) -> str:
    if english:
        return str(node.get("x-title-en") or node.get("title") or _("this field"))
    return str(node.get("title") or _("this field"))


def _is_question(label: str) -> bool:
    """「配偶者はいますか」/ "Do you have a spouse?": a label that asks rather than names.

    A closing aside does not hide the question: 「支えていますか（いましたか）」.
    """
    return re.sub(r"[（(][^（）()]*[)）]$", "", label.rstrip()).endswith(("?", "？", "か"))


def qualified_label(schema: Schema, path: list[Any], english: bool) -> str:
    """ "請求者の住所（郵便番号）" rather than a bare "郵便番号": the error summary lists fields out of context.

    A question, or a label with brackets of its own, follows its parent after a colon instead, so
    no message nests brackets: 「子ども 2：請求者と同居していますか」.
    """
    label = _label(node_at(schema, path), english)
    if len(path) < 2:
        return label
    colon = ": " if english else "："
    if isinstance(path[-2], int) or str(path[-2]).isdigit():
        parent = f"{_label(node_at(schema, path[:-2]), english)} {int(path[-2]) + 1}"
    else:
        parent = _label(node_at(schema, path[:-1]), english)
        # Inside a repeated row, say which row: "子ども 2：子どもの氏名（名）".
        rows = [k for k, part in enumerate(path[:-2]) if isinstance(part, int) or str(part).isdigit()]
        if rows:
            k = rows[-1]
            parent = f"{_label(node_at(schema, path[:k]), english)} {int(path[k]) + 1}{colon}{parent}"
    if _is_question(label) or "(" in label or "（" in label:
        return f"{parent}{colon}{label}"
    return f"{parent} ({label})" if english else f"{parent}（{label}）"


# Words that keep their capital inside a sentence (labels starting with them stay as written).
_PROPER_WORDS = frozenset({"I", "Japan", "Japanese", "Shibuya", "My", "National", "Tokyo"})


def _as_object(label: str, english: bool) -> str:
    """ "date of birth" in "Enter date of birth": English lower-cases a label's first common word."""
    first = label.split(" ", 1)[0]
    if english and len(first) > 1 and first[0].isupper() and first[1:].islower() and first not in _PROPER_WORDS:
        return label[0].lower() + label[1:]
    return label


def _required_message(node: Schema, label: str, english: bool) -> str:
    """What to do about an empty field, phrased for a question, a declaration or a name.

    Interpolating a question into "Select %s" gave "Select Who is applying?" (issue 11).
    """
    choice = "enum" in node or node.get("type") in {"boolean", "array"}
    if node.get("const") is True:
        return _("Tick the box to confirm: %(statement)s") % {"statement": label}
    if _is_question(label):
        # Japanese ends the question with 。 before the instruction: 「…いますか。答えを選んでください」.
        question = label if english else label.rstrip("？?")
        if choice:
            return _("Select an answer to “%(question)s”") % {"question": question}
        return _("Enter an answer to “%(question)s”") % {"question": question}
    if choice:
        return _("Select %(label)s") % {"label": _as_object(label, english)}
    return _("Enter %(label)s") % {"label": _as_object(label, english)}


def error_message(
    error: ValidationError, node: Schema, english: bool, label: str = "", today: date | None = None
) -> str:
    label = label or _label(node, english)
    validator = error.validator
    value = error.validator_value
    if validator == RULE_KEY and (rule := DateRule.of(error.schema)) is not None:
        return rule.describe(today or timezone.localdate(), english=english, label=label)
    if validator == "format" and value == phone.FORMAT:
        return _(
            "%(label)s must be a Japanese phone number with its area code, such as 03-1234-5678 or 090-1234-5678"
        ) % {"label": label}
    if validator == "required" or (validator == "const" and node.get("type") == "boolean"):
        return _required_message(node, label, english)
    if validator == "pattern":
        custom = node.get("x-pattern-message")
        if isinstance(custom, dict):
            return str(custom.get("en" if english else "ja", ""))
        return _("%(label)s is not in the right format") % {"label": label}
    if validator == "minLength":
        return _("%(label)s must be at least %(n)s characters") % {"label": label, "n": value}
    if validator == "maxLength":
        return _("%(label)s must be %(n)s characters or fewer") % {"label": label, "n": value}
    if validator == "format" and value == "date":
        return _("%(label)s must be a real date") % {"label": label}
    if validator == "format" and value == "email":
        return _("%(label)s must be an email address such as name@example.jp") % {"label": label}
    if validator in {"enum", "const"}:
        return _("Choose %(label)s from the options") % {"label": label}
    if validator == "type" and value in {"integer", "number"}:
        return _("%(label)s must be a number") % {"label": label}
    if validator == "minimum":
        return _("%(label)s must be %(n)s or more") % {"label": label, "n": value}
    if validator == "maximum":
        return _("%(label)s must be %(n)s or less") % {"label": label, "n": value}
    if validator == "minItems":
        return _("Add at least %(n)s to %(label)s") % {"label": label, "n": value}
    if validator == "maxItems":
        return _("%(label)s can have at most %(n)s entries") % {"label": label, "n": value}
    if validator == "additionalProperties":
        return _("%(label)s contains fields this form does not have") % {"label": label}
    return _("Check %(label)s") % {"label": label}
