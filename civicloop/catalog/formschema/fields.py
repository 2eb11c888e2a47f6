# SPDX-License-Identifier: MPL-2.0
"""A procedure's JSON Schema read as fields: kinds, labels, choices, nesting."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Schema = dict[str, Any]
Answers = dict[str, Any]


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


def node_at(schema: Schema, path: list[str | int]) -> Schema:
    node = schema
    for part in path:
        node = resolve(schema, node)
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit() and node.get("type") == "array"):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(str(part), {})
    return resolve(schema, node)


def choice_label(node: Schema, value: str, english: bool) -> str:
    labels = node.get("x-choices", {}).get(value, {})
    return str(labels.get("en" if english else "ja") or labels.get("ja") or value)
