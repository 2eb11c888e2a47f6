# SPDX-License-Identifier: MPL-2.0
"""Conditions on answers (a step's or attachment's `when`) and answers flattened for reading."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from civicloop.catalog.daterules import format_date, parse_date
from civicloop.catalog.formschema.fields import FieldSpec, choice_label


def lookup(answers: Mapping[str, Any], path: str) -> Any:
    value: Any = answers
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def condition_holds(when: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    """A step's or attachment's `when` ({field, equals} or {field, in}); no condition holds always."""
    if not when:
        return True
    value = lookup(answers, str(when["field"]))
    if "equals" in when:
        return bool(value == when["equals"])
    if "in" in when:
        return value in when["in"]
    return value is not None


@dataclass(frozen=True)
class SummaryRow:
    label: str
    value: str
    path: str

    @property
    def anchor(self) -> str:
        """The id of the field's input on its step page (see `bind`)."""
        return self.path.replace(".", "-")


def display_value(spec: FieldSpec, value: Any, english: bool) -> str:
    if value is None or value == "" or value == []:
        return _("Not given")
    if spec.kind == "checkbox":
        return _("Yes") if value else _("No")
    if spec.choices is not None:
        node = spec.node.get("items", {}) if spec.kind == "checkboxes" else spec.node
        values = value if isinstance(value, list) else [value]
        return "、".join(choice_label(node, str(v), english) for v in values)
    if spec.kind == "date" and (day := parse_date(value)) is not None:
        return format_date(day, english)
    return str(value)


def summarize(
    spec: FieldSpec, value: Any, *, english: bool, prefix: str = "", row: str = "", path: str = ""
) -> list[SummaryRow]:
    """Flatten one answered field into label/value rows for the check-your-answers page."""
    own = spec.title_en if english else spec.title_ja
    label = f"{prefix}{own}"
    path = path or spec.path
    if spec.kind == "group":
        value = value if isinstance(value, dict) else {}
        rows: list[SummaryRow] = []
        for child in spec.children:
            leaf = child.path.rsplit(".", 1)[-1]
            # Only the nearest group names a row ("収集場所の住所 / 郵便番号"), so labels stay short.
            rows += summarize(
                child, value.get(leaf), english=english, prefix=f"{row}{own} / ", row=row, path=f"{path}.{leaf}"
            )
        return rows
    if spec.kind == "repeat":
        items = value if isinstance(value, list) else []
        rows = []
        for index, item in enumerate(items, start=1):
            for child in spec.children:
                leaf = child.path.rsplit(".", 1)[-1]
                rows += summarize(
                    child,
                    item.get(leaf) if isinstance(item, dict) else None,
                    english=english,
                    prefix=f"{own} {index} / ",
                    row=f"{own} {index} / ",
                    path=f"{path}.{index - 1}.{leaf}",
                )
        return rows or [SummaryRow(label, _("Not given"), path)]
    return [SummaryRow(label, display_value(spec, value, english), path)]
