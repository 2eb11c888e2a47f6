# SPDX-License-Identifier: MPL-2.0
"""The form engine: a procedure's JSON Schema (2020-12) becomes fields, parsed posts and errors.

Field names are dotted paths into the answers ("collection.address.postal_code", array items by
index: "children.0.birthdate"). The schema's own `title`/`description` are Japanese; x-title-en,
x-description-en, x-choices, x-widget and friends are annotations documented in
procedures/_shared/defs.yaml. Everything here is pure: no database, no request.
"""

import functools
import math
import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from civicloop.catalog import phone
from civicloop.catalog.daterules import RULE_KEY, DateRule, format_date, parse_date

Schema = dict[str, Any]
Answers = dict[str, Any]

# Control characters (NUL above all: PostgreSQL's jsonb refuses it) never belong in an answer;
# newlines and tabs in a textarea do.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMAT_CHECKER = FormatChecker(formats=["date"])
# Django's rule rather than jsonschema's (which only wants an "@"): the domain needs a dot, so
# taro@example is refused. No allowlist: a resident's address is never @localhost.
_EMAIL_VALIDATOR = EmailValidator(allowlist=[])
_DEFAULT_SLOTS = 1


@_FORMAT_CHECKER.checks("email")
def _is_email(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        _EMAIL_VALIDATOR(value)
    except DjangoValidationError:
        return False
    return True


_FORMAT_CHECKER.checks(phone.FORMAT)(phone.is_phone)


def resolve(root: Schema, node: Schema) -> Schema:
    """Follow a local $ref, letting the referring node's own keywords (title …) win."""
    seen = 0
    while "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            raise ValueError(f"only local $defs references are supported, not {ref!r}")
        target = root.get("$defs", {})[ref.removeprefix("#/$defs/")]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
        if seen > 10:
            raise ValueError(f"reference loop at {ref!r}")
    return node


def _kind(node: Schema) -> str:
    widget = node.get("x-widget")
    node_type = node.get("type")
    if node_type == "object":
        return "group"
    if node_type == "array":
        items = node.get("items", {})
        return "checkboxes" if "enum" in items else "repeat"
    if "enum" in node:
        return widget if widget in {"radio", "select"} else ("radio" if len(node["enum"]) <= 4 else "select")
    if node_type == "boolean":
        return "checkbox"
    if node_type in {"integer", "number"}:
        return "number"
    if node.get("format") == "date":
        return "date"
    if node.get("format") == "email":
        return "email"
    if widget == "textarea":
        return "textarea"
    return "text"


@dataclass
class FieldSpec:
    path: str
    kind: str
    node: Schema
    required: bool
    title_ja: str
    title_en: str
    help_ja: str
    help_en: str
    choices: list[tuple[str, str]] | None  # (value, "ja|en" joined) for checks at load time
    children: list["FieldSpec"] = field(default_factory=list)


def _spec(root: Schema, name: str, node: Schema, *, parent_path: str, required: bool) -> FieldSpec:
    node = resolve(root, node)
    path = f"{parent_path}.{name}" if parent_path else name
    kind = _kind(node)
    choice_node = node.get("items", {}) if kind == "checkboxes" else node
    choices = None
    if "enum" in choice_node:
        labels = choice_node.get("x-choices", {})
        choices = [(str(v), "|".join(labels.get(str(v), {}).values())) for v in choice_node["enum"]]
    spec = FieldSpec(
        path=path,
        kind=kind,
        node=node,
        required=required,
        title_ja=str(node.get("title", "")),
        title_en=str(node.get("x-title-en", node.get("title", ""))),
        help_ja=str(node.get("description", "")),
        help_en=str(node.get("x-description-en", node.get("description", ""))),
        choices=choices,
    )
    if kind == "group":
        required_names = set(node.get("required", []))
        spec.children = [
            _spec(root, child, child_node, parent_path=path, required=child in required_names)
            for child, child_node in node.get("properties", {}).items()
        ]
    elif kind == "repeat":
        item = resolve(root, node.get("items", {}))
        required_names = set(item.get("required", []))
        spec.children = [
            _spec(root, child, child_node, parent_path=f"{path}.#", required=child in required_names)
            for child, child_node in item.get("properties", {}).items()
        ]
    return spec


def field_specs(schema: Schema, names: list[str]) -> list[FieldSpec]:
    required = set(schema.get("required", []))
    props = schema["properties"]
    return [_spec(schema, name, props[name], parent_path="", required=name in required) for name in names]


def iter_fields(schema: Schema) -> Iterator[FieldSpec]:
    """Every field of the schema, depth first (used to check a catalogue file at load time)."""
    stack = field_specs(schema, list(schema["properties"]))
    while stack:
        spec = stack.pop(0)
        yield spec
        stack[0:0] = spec.children


# --- parsing a POST into answers -------------------------------------------------------------


def _parse_scalar(spec: FieldSpec, raw: str | None) -> Any:
    if raw is None:
        return None
    value = _CONTROL.sub("", raw).strip()
    normalize = spec.node.get("x-normalize")
    if normalize in {"nfkc", "postal_code"} or spec.kind == "number":
        value = unicodedata.normalize("NFKC", value).strip()
    if normalize == "postal_code" and re.fullmatch(r"\d{7}", value):
        value = f"{value[:3]}-{value[3:]}"  # 〒1500042 and 150-0042 are one address
    if normalize == "phone":
        value = phone.normalize_phone(value)  # ０９０ー１２３４ー５６７８ → 090-1234-5678
    if value == "":
        return None
    if spec.kind == "number":
        cleaned = value.replace(",", "")
        try:
            number = int(cleaned) if spec.node.get("type") == "integer" else float(cleaned)
        except ValueError:
            return value  # left as text so validation names the field
        return number if math.isfinite(number) else value
    if spec.kind == "checkbox":
        return True
    return value


def _parse(spec: FieldSpec, data: Mapping[str, Any], path: str) -> Any:
    if spec.kind == "group":
        obj = {}
        for child in spec.children:
            value = _parse(child, data, f"{path}.{child.path.rsplit('.', 1)[-1]}")
            if value is not None:
                obj[child.path.rsplit(".", 1)[-1]] = value
        return obj or None
    if spec.kind == "repeat":
        indexes = sorted({int(m.group(1)) for key in data if (m := re.match(rf"^{re.escape(path)}\.(\d+)\.", key))})
        rows = []
        for index in indexes[:100]:
            row = {}
            for child in spec.children:
                name = child.path.rsplit(".", 1)[-1]
                value = _parse(child, data, f"{path}.{index}.{name}")
                if value is not None:
                    row[name] = value
            if row:
                rows.append(row)
        return rows or None
    if spec.kind == "checkboxes":
        getlist = getattr(data, "getlist", None)
        values = getlist(path) if getlist else data.get(path, [])
        return [v for v in values if isinstance(v, str) and v] or None
    raw = data.get(path)
    return _parse_scalar(spec, raw if isinstance(raw, str) else None)


def parse_post(schema: Schema, names: list[str], data: Mapping[str, Any]) -> Answers:
    """The answers for the named top-level fields, from form data. Empty inputs become absent."""
    answers: Answers = {}
    for spec in field_specs(schema, names):
        value = _parse(spec, data, spec.path)
        if value is not None:
            answers[spec.path] = value
    return answers


# --- validation --------------------------------------------------------------------------------


def _node_at(schema: Schema, path: list[str | int]) -> Schema:
    node = schema
    for part in path:
        node = resolve(schema, node)
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit() and node.get("type") == "array"):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(str(part), {})
    return resolve(schema, node)


def _label(node: Schema, english: bool) -> str:
    if english:
        return str(node.get("x-title-en") or node.get("title") or _("this field"))
    return str(node.get("title") or _("this field"))


def _is_question(label: str) -> bool:
    """「配偶者はいますか」/ "Do you have a spouse?": a label that asks rather than names.

    A closing aside does not hide the question: 「支えていますか（いましたか）」.
    """
    return re.sub(r"[（(][^（）()]*[)）]$", "", label.rstrip()).endswith(("?", "？", "か"))


def _qualified_label(schema: Schema, path: list[Any], english: bool) -> str:
    """ "請求者の住所（郵便番号）" rather than a bare "郵便番号": the error summary lists fields out of context.

    A question, or a label with brackets of its own, follows its parent after a colon instead, so
    no message nests brackets: 「子ども 2：請求者と同居していますか」.
    """
    label = _label(_node_at(schema, path), english)
    if len(path) < 2:
        return label
    colon = ": " if english else "："
    if isinstance(path[-2], int) or str(path[-2]).isdigit():
        parent = f"{_label(_node_at(schema, path[:-2]), english)} {int(path[-2]) + 1}"
    else:
        parent = _label(_node_at(schema, path[:-1]), english)
        # Inside a repeated row, say which row: "子ども 2：子どもの氏名（名）".
        rows = [k for k, part in enumerate(path[:-2]) if isinstance(part, int) or str(part).isdigit()]
        if rows:
            k = rows[-1]
            parent = f"{_label(_node_at(schema, path[:k]), english)} {int(path[k]) + 1}{colon}{parent}"
    if _is_question(label) or "(" in label or "（" in label:
        return f"{parent}{colon}{label}"
    return f"{parent} ({label})" if english else f"{parent}（{label}）"


def _as_object(label: str, english: bool) -> str:
    """ "date of birth" in "Enter date of birth": English lower-cases a label's first common word."""
    first = label.split(" ", 1)[0]
    if english and len(first) > 1 and first[0].isupper() and first[1:].islower() and first not in _PROPER_WORDS:
        return label[0].lower() + label[1:]
    return label


# Words that keep their capital inside a sentence (labels starting with them stay as written).
_PROPER_WORDS = frozenset({"I", "Japan", "Japanese", "Shibuya", "My", "National", "Tokyo"})


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


def _message(error: ValidationError, node: Schema, english: bool, label: str = "", today: date | None = None) -> str:
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


def _expand(error: ValidationError) -> Iterator[ValidationError]:
    if error.validator in {"allOf", "anyOf", "oneOf", "if", "then"} and error.context:
        for sub in error.context:
            yield from _expand(sub)
    else:
        yield error


@functools.lru_cache(maxsize=4)
def _validator_for(today: date) -> Any:
    """Draft 2020-12 plus the `x-date-rule` keyword, judged against `today` (one class per day)."""

    def date_rule(_validator: Any, _rule: Any, instance: Any, node: Schema) -> Iterator[ValidationError]:
        day = parse_date(instance)
        try:
            rule = DateRule.of(node)
        except (KeyError, ValueError):  # a rule the loader would have refused: nothing to enforce
            return
        if day is not None and rule is not None and not rule.allows(day, today):
            yield ValidationError(f"{instance} is outside the date rule {node[RULE_KEY]}")

    return validators.extend(Draft202012Validator, {RULE_KEY: date_rule})


def validate(
    schema: Schema,
    answers: Any,
    *,
    english: bool = False,
    today: date | None = None,
    date_rules_on: Collection[str] | None = None,
) -> dict[str, str]:
    """Map each invalid field's dotted path to one message in the active language.

    Date rules (`x-date-rule`) count from `today` (Asia/Tokyo by default). `date_rules_on` limits
    them to some top-level fields: a 補正 re-checks the whole application, but a date chosen weeks
    ago must only be judged against today when the resident is asked to change it.
    """
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    validator = _validator_for(today)(schema, format_checker=_FORMAT_CHECKER)
    for top in validator.iter_errors(answers):
        for error in _expand(top):
            path = list(error.absolute_path)
            if error.validator == RULE_KEY and date_rules_on is not None and (path[:1] or [""])[0] not in date_rules_on:
                continue
            if error.validator == "required" and isinstance(error.instance, dict):
                for name in error.validator_value:
                    if name not in error.instance:
                        _missing(schema, error, [*path, name], errors, english)
                continue
            key = ".".join(map(str, path)) or "__all__"
            label = _qualified_label(schema, path, english) if path else ""
            errors.setdefault(key, _message(error, _node_at(schema, path), english, label, today))
    return errors


def _missing(schema: Schema, error: ValidationError, path: list[Any], errors: dict[str, str], english: bool) -> None:
    """A missing group is reported field by field, so each empty input gets its own message."""
    node = _node_at(schema, path)
    if node.get("type") == "object" and node.get("required"):
        for name in node["required"]:
            _missing(schema, error, [*path, name], errors, english)
        return
    errors.setdefault(".".join(map(str, path)), _message(error, node, english, _qualified_label(schema, path, english)))


def storable_problem(value: Any, *, depth: int = 0) -> str | None:
    """Why `value` cannot be stored as answers (non-finite numbers, control characters, depth), or None."""
    if depth > 12:
        return "nested too deeply"
    if isinstance(value, float) and not math.isfinite(value):
        return "numbers must be finite"
    if isinstance(value, str) and _CONTROL.search(value):
        return "control characters are not allowed"
    if isinstance(value, dict):
        for key, inner in value.items():
            problem = storable_problem(key, depth=depth + 1) or storable_problem(inner, depth=depth + 1)
            if problem:
                return problem
    if isinstance(value, list):
        for inner in value:
            if problem := storable_problem(inner, depth=depth + 1):
                return problem
    return None


def errors_for(errors: Mapping[str, str], names: list[str]) -> dict[str, str]:
    """Only the errors under the given top-level fields (one step's share)."""
    return {k: v for k, v in errors.items() if k.split(".")[0] in names}


# --- binding for templates ----------------------------------------------------------------------


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


def _choice_label(node: Schema, value: str, english: bool) -> str:
    labels = node.get("x-choices", {}).get(value, {})
    return str(labels.get("en" if english else "ja") or labels.get("ja") or value)


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
        bound.choices = [(v, _choice_label(node, v, english), v in selected) for v, _label in spec.choices]
    return bound


# --- conditions and summaries -------------------------------------------------------------------


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
        return "、".join(_choice_label(node, str(v), english) for v in values)
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
