# SPDX-License-Identifier: MPL-2.0
"""Form posts become answers; what may be stored as answers at all."""

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from civicloop.catalog import phone
from civicloop.catalog.formschema.fields import Answers, FieldSpec, Schema, field_specs

# Control characters (NUL above all: PostgreSQL's jsonb refuses it) never belong in an answer;
# newlines and tabs in a textarea do.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
