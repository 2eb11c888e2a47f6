# SPDX-License-Identifier: MPL-2.0
"""Fields bound to a value and an error, named and shaped for the step templates."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from civicloop.catalog.daterules import DateRule
from civicloop.catalog.formschema.fields import FieldSpec, choice_label

# Empty rows a repeated group shows before the resident adds one (at least its minItems).
_DEFAULT_SLOTS = 1


@dataclass
class BoundField:
    name: str
    id: str
    kind: str
    label: str
    help: str
    required: bool
    value: Any
    error: str
    attrs: dict[str, str]
    choices: list[tuple[str, str, bool]] = field(default_factory=list)
    children: list["BoundField"] = field(default_factory=list)
    rows: list[list["BoundField"]] = field(default_factory=list)
    can_add: bool = False
    rule_hint: str = ""  # a date rule with today's dates: "2026年12月11日以降の平日を選んでください"
    source_note: str = ""  # where a prefilled value came from (set by the view)

    @property
    def has_hint(self) -> bool:
        return bool(self.help or self.rule_hint or self.source_note)

    @property
    def has_error_below(self) -> bool:
        return (
            bool(self.error)
            or any(c.has_error_below for c in self.children)
            or any(c.has_error_below for row in self.rows for c in row)
        )


def _attrs(spec: FieldSpec) -> dict[str, str]:
    node = spec.node
    attrs: dict[str, str] = {}
    if "maxLength" in node:
        attrs["maxlength"] = str(node["maxLength"])
    if "x-autocomplete" in node:
        attrs["autocomplete"] = str(node["x-autocomplete"])
    if spec.kind == "number":
        attrs["inputmode"] = "numeric"
    if node.get("x-normalize") == "postal_code":
        attrs["inputmode"] = "numeric"
    if node.get("x-normalize") == "nfkc" and spec.kind == "text" and "kana" not in spec.path:
        attrs["inputmode"] = (
            "numeric" if "postal" in spec.path or "number" in spec.path else attrs.get("inputmode", "text")
        )
    if node.get("x-autocomplete") == "tel":
        attrs["inputmode"] = "tel"
    return attrs


def _date_rule_attrs(spec: FieldSpec, today: date, english: bool) -> tuple[dict[str, str], str]:
    """`min`/`max` for the date picker and the rule as a hint (weekday limits only the hint can say)."""
    try:
        rule = DateRule.of(spec.node) if spec.kind == "date" else None
    except (KeyError, ValueError):
        rule = None
    if rule is None:
        return {}, ""
    earliest, latest = rule.bounds(today)
    attrs = {"min": earliest.isoformat()} if earliest else {}
    if latest:
        attrs["max"] = latest.isoformat()
    return attrs, "" if rule.is_only_not_in_future else rule.describe(today, english=english)


def bind(
    spec: FieldSpec,
    value: Any,
    errors: Mapping[str, str],
    *,
    english: bool,
    name: str | None = None,
    add_row_to: str = "",
    today: date | None = None,
) -> BoundField:
    """A field with its current value and error, named for the form; arrays become rows."""
    name = name or spec.path
    today = today or timezone.localdate()
    rule_attrs, rule_hint = _date_rule_attrs(spec, today, english)
    bound = BoundField(
        name=name,
        id="f-" + name.replace(".", "-"),
        kind=spec.kind,
        label=spec.title_en if english else spec.title_ja,
        help=spec.help_en if english else spec.help_ja,
        required=spec.required,
        value=value,
        error=errors.get(name, ""),
        attrs={**_attrs(spec), **rule_attrs},
        rule_hint=rule_hint,
    )
    if spec.kind == "group":
        value = value if isinstance(value, dict) else {}
        for child in spec.children:
            leaf = child.path.rsplit(".", 1)[-1]
            bound.children.append(
                bind(
                    child,
                    value.get(leaf),
                    errors,
                    english=english,
                    name=f"{name}.{leaf}",
                    add_row_to=add_row_to,
                    today=today,
                )
            )
    elif spec.kind == "repeat":
        rows = value if isinstance(value, list) else []
        minimum = max(int(spec.node.get("minItems", 0)), _DEFAULT_SLOTS)
        maximum = int(spec.node.get("maxItems", 10))
        count = min(max(len(rows) + (1 if add_row_to == name else 0), minimum), maximum)
        for index in range(count):
            row = rows[index] if index < len(rows) and isinstance(rows[index], dict) else {}
            bound.rows.append(
                [
                    bind(
                        child,
                        row.get(leaf := child.path.rsplit(".", 1)[-1]),
                        errors,
                        english=english,
                        name=f"{name}.{index}.{leaf}",
                        today=today,
                    )
                    for child in spec.children
                ]
            )
        bound.can_add = count < maximum
    elif spec.choices is not None:
        node = spec.node.get("items", {}) if spec.kind == "checkboxes" else spec.node
        selected = set(value) if isinstance(value, list) else {str(value)} if value is not None else set()
        bound.choices = [(v, choice_label(node, v, english), v in selected) for v, _label in spec.choices]
    return bound
