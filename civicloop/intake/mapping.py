# SPDX-License-Identifier: MPL-2.0
"""A mapping file (procedures/_imports/*.yaml): how one export layout becomes one procedure's answers.

Each target is a dotted answer path, as the form engine names fields ("contact.phone",
"persons.0.name.family"), taking either a column / element of the export (`from`) or a fixed value
(`value`), optionally through a table of the export's wording to the form's codes (`map`), a date
format (`date`, strptime) or a separator for multi-choice answers (`split`). The answers then go
through the form engine's own parsing (normalisation of postcodes, phone numbers, kana) and
validation, exactly as if the resident had typed them into the form.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from jsonschema import Draft202012Validator

from civicloop.intake.models import Source

MAPPING_DIR = "_imports"

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["source", "procedure", "format", "id", "fields"],
    "properties": {
        "source": {"enum": [s.value for s in Source]},
        "procedure": {"type": "string", "minLength": 1},
        "format": {"enum": ["csv", "xml"]},
        "encoding": {"enum": ["utf-8", "utf-8-sig", "cp932", "shift_jis"]},
        "data_file": {"type": "string", "minLength": 1},
        "record": {"type": "string", "minLength": 1},
        "id": {"type": "string", "minLength": 1},
        "email": {"type": "string", "minLength": 1},
        "fields": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "from": {"type": "string", "minLength": 1},
                    "value": {"type": ["string", "number", "boolean"]},
                    "map": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
                    "date": {"type": "string", "minLength": 2},
                    "split": {"type": "string", "minLength": 1},
                },
                "oneOf": [{"required": ["from"]}, {"required": ["value"]}],
            },
        },
        "attachments": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["from"],
                "properties": {"from": {"type": "string", "minLength": 1}},
            },
        },
    },
    "if": {"properties": {"format": {"const": "xml"}}},
    "then": {"required": ["record"]},
}


class MappingInvalid(ValueError):
    """The mapping file can't be used: the message says where and why."""


@dataclass(frozen=True)
class FieldRule:
    target: str
    source: str = ""
    value: Any = None
    table: dict[str, Any] = field(default_factory=dict)
    date: str = ""
    split: str = ""


@dataclass(frozen=True)
class Mapping:
    name: str
    source: str
    procedure: str
    format: str
    encoding: str
    data_file: str
    record: str
    id: str
    email: str
    fields: list[FieldRule]
    attachments: dict[str, str]  # attachment kind → column / element holding the file name


def mapping_path(name: str) -> Path:
    """procedures/_imports/<name>.yaml, or the path itself when one is given."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate
    return Path(settings.PROCEDURES_DIR) / MAPPING_DIR / f"{name}.yaml"


def load(name: str) -> Mapping:
    path = mapping_path(name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MappingInvalid(f"{path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise MappingInvalid(f"{path}: not YAML ({error})") from None
    problems = sorted(
        f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
        for e in Draft202012Validator(SCHEMA).iter_errors(data)
    )
    if problems:
        raise MappingInvalid(f"{path}:\n" + "\n".join(problems))
    return Mapping(
        name=path.stem,
        source=data["source"],
        procedure=data["procedure"],
        format=data["format"],
        encoding=data.get("encoding", "utf-8-sig"),
        data_file=data.get("data_file", ""),
        record=data.get("record", ""),
        id=data["id"],
        email=data.get("email", ""),
        fields=[
            FieldRule(
                target,
                source=str(rule.get("from", "")),
                value=rule.get("value"),
                table={str(k): v for k, v in rule.get("map", {}).items()},
                date=rule.get("date", ""),
                split=rule.get("split", ""),
            )
            for target, rule in data["fields"].items()
        ],
        attachments={kind: rule["from"] for kind, rule in data.get("attachments", {}).items()},
    )
