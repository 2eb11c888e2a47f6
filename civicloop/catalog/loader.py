# SPDX-License-Identifier: MPL-2.0
"""Load procedures/*.yaml into versioned catalogue rows, all or nothing.

Every file is read and checked first — against the procedure-file schema, then for references
(department, life events, steps, workflow) and against the JSON Schema 2020-12 meta-schema.
Only when every file is sound does one transaction write; a file whose content (with the
shared definitions it uses) changed becomes a new version, an unchanged file is left alone.
"""

import copy
import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from civicloop.accounts.models import Department
from civicloop.catalog import cache, fees, followups, prefill, versioned_cache
from civicloop.catalog.daterules import rule_problems
from civicloop.catalog.formschema import iter_fields
from civicloop.catalog.models import LifeEvent, Procedure, ProcedureVersion
from civicloop.catalog.phone import FORMAT as PHONE_FORMAT
from civicloop.catalog.process import check_process
from civicloop.core import events
from civicloop.core.text import fold

# libyaml's C loader parses the catalogue ~10x faster than the pure-Python one; both are "safe".
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Formats the form engine checks; jsonschema would silently ignore any other (a typo included).
_FORMATS = {"date", "email", PHONE_FORMAT}


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '(top)'}: {self.reason}"


class CatalogError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(Problem(path.name, "", f"not valid YAML: {exc}".replace("\n", " ")))
        return None


def _json_path(parts: Iterator[Any] | Any) -> str:
    return "/".join(str(p) for p in parts)


def _bundle(schema: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    """Copy the shared $defs the schema refers to (transitively) into the schema itself."""
    bundled = copy.deepcopy(schema)
    defs = bundled.setdefault("$defs", {})
    pending = [bundled]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name not in defs and name in shared:
                    defs[name] = copy.deepcopy(shared[name])
                    pending.append(defs[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    if not defs:
        del bundled["$defs"]
    return bundled


def check_procedure(
    name: str,
    data: Any,
    *,
    file_validator: Draft202012Validator,
    shared_defs: dict[str, Any],
    departments: set[str],
    life_events: set[str],
    procedures_dir: Path,
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Check one parsed file; return its frozen definition (shared defs bundled) or the problems."""
    problems = [
        Problem(name, _json_path(err.absolute_path), err.message)
        for err in sorted(file_validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if problems:
        return None, problems
    definition = dict(data)
    definition["form"] = dict(data["form"], schema=_bundle(data["form"]["schema"], shared_defs))
    schema = definition["form"]["schema"]
    if Path(name).stem != data["code"]:
        problems.append(Problem(name, "code", f"code {data['code']!r} must match the file name"))
    if data["department"] not in departments:
        problems.append(
            Problem(name, "department", f"unknown department {data['department']!r} (see departments.yaml)")
        )
    for i, event in enumerate(data["life_events"]):
        if event not in life_events:
            problems.append(Problem(name, f"life_events/{i}", f"unknown life event {event!r} (see life_events.yaml)"))
    problems += _misspelling_problems(name, data)
    for problem in check_process(data["workflow"], procedures_dir):
        problems.append(Problem(name, "workflow", problem))
    meta_problem = _meta_schema_problem(json.dumps(schema, sort_keys=True, ensure_ascii=False))
    if meta_problem is not None:
        problems.append(Problem(name, "form/schema/" + meta_problem[0], meta_problem[1]))
        return None, problems
    problems += _check_form(name, schema, definition["form"]["steps"], data["attachments"])
    if not problems:
        fee_step = fees.has_fee_task(data["workflow"], procedures_dir)
        problems += [Problem(name, path, reason) for path, reason in fees.problems(definition, fee_step=fee_step)]
    return (definition if not problems else None), problems


def _misspelling_problems(name: str, data: dict[str, Any]) -> list[Problem]:
    """「もしかして」 must lead somewhere: the right term finds this procedure, the wrong one does not."""
    text = _search_text(data)
    problems = []
    for term, wrongs in data.get("misspellings", {}).items():
        if fold(term) not in text:
            problems.append(Problem(name, f"misspellings/{term}", "the right term must be in the names or keywords"))
        for wrong in wrongs:
            if fold(wrong) in text:
                problems.append(Problem(name, f"misspellings/{term}", f"{wrong!r} already finds this procedure"))
    return problems


@functools.lru_cache(maxsize=256)
def _meta_schema_problem(schema_json: str) -> tuple[str, str] | None:
    """Check a form schema against the 2020-12 meta-schema (cached: it is the slow part of a load)."""
    try:
        Draft202012Validator.check_schema(json.loads(schema_json))
    except SchemaError as exc:
        return _json_path(exc.absolute_path), exc.message
    return None


def _check_form(
    name: str, schema: dict[str, Any], steps: list[dict[str, Any]], attachments: list[dict[str, Any]]
) -> list[Problem]:
    problems: list[Problem] = []
    properties = schema["properties"]
    placed: set[str] = set()
    step_ids: set[str] = set()
    for i, step in enumerate(steps):
        if step["id"] in step_ids:
            problems.append(Problem(name, f"form/steps/{i}/id", f"duplicate step id {step['id']!r}"))
        step_ids.add(step["id"])
        for j, field_name in enumerate(step["fields"]):
            if field_name not in properties:
                problems.append(
                    Problem(name, f"form/steps/{i}/fields/{j}", f"{field_name!r} is not a property of the schema")
                )
            elif field_name in placed:
                problems.append(
                    Problem(name, f"form/steps/{i}/fields/{j}", f"{field_name!r} is already on another step")
                )
            placed.add(field_name)
        when = step.get("when")
        if when and when["field"].split(".")[0] not in properties:
            problems.append(
                Problem(name, f"form/steps/{i}/when/field", f"{when['field']!r} is not a property of the schema")
            )
    for missing in sorted(set(properties) - placed):
        problems.append(Problem(name, f"form/schema/properties/{missing}", "property is on no step"))
    codes: set[str] = set()
    for i, attachment in enumerate(attachments):
        if attachment["code"] in codes:
            problems.append(Problem(name, f"attachments/{i}/code", f"duplicate attachment code {attachment['code']!r}"))
        codes.add(attachment["code"])
        when = attachment.get("when")
        if when and when["field"].split(".")[0] not in properties:
            problems.append(
                Problem(name, f"attachments/{i}/when/field", f"{when['field']!r} is not a property of the schema")
            )
    try:
        for spec in iter_fields(schema):
            if not spec.title_ja or "x-title-en" not in spec.node:
                problems.append(
                    Problem(name, f"form/schema:{spec.path}", "every field needs a title (ja) and x-title-en")
                )
            if spec.choices is not None and any(not label for _, label in spec.choices):
                problems.append(Problem(name, f"form/schema:{spec.path}", "every enum value needs an x-choices label"))
            if "format" in spec.node and spec.node["format"] not in _FORMATS:
                problems.append(
                    Problem(
                        name,
                        f"form/schema:{spec.path}",
                        f"unknown format {spec.node['format']!r}; use one of {sorted(_FORMATS)}",
                    )
                )
            problems += [Problem(name, f"form/schema:{spec.path}", reason) for reason in rule_problems(spec.node)]
        problems += [Problem(name, f"form/schema:{path}", reason) for path, reason in prefill.target_problems(schema)]
    except (KeyError, TypeError, ValueError) as exc:
        problems.append(Problem(name, "form/schema", f"the form engine cannot render it: {exc}"))
    return problems


def _checksum(definition: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _search_text(definition: dict[str, Any]) -> str:
    parts = [*definition["names"].values(), *definition["summary"].values(), *definition.get("keywords", [])]
    return " ".join(fold(p) for p in parts)


@dataclass(frozen=True)
class Catalog:
    departments: list[dict[str, Any]]
    life_events: list[dict[str, Any]]
    definitions: list[tuple[Path, dict[str, Any]]]


def read_catalog(procedures_dir: Path) -> Catalog:
    """Read and check every file in `procedures_dir` without writing anything (raises CatalogError)."""
    problems: list[Problem] = []
    departments = _read_yaml(procedures_dir / "departments.yaml", problems) or []
    life_events = _read_yaml(procedures_dir / "life_events.yaml", problems) or []
    shared_defs = _read_yaml(procedures_dir / "_shared" / "defs.yaml", problems) or {}
    file_schema = _read_yaml(procedures_dir / "_shared" / "procedure.schema.yaml", problems) or {}
    validator = Draft202012Validator(file_schema)
    department_codes = {d["code"] for d in departments}
    life_event_codes = {e["code"] for e in life_events}
    definitions: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(procedures_dir.glob("*.yaml")):
        if path.name in {"departments.yaml", "life_events.yaml"}:
            continue
        data = _read_yaml(path, problems)
        if data is None:
            continue
        definition, found = check_procedure(
            path.name,
            data,
            file_validator=validator,
            shared_defs=shared_defs,
            departments=department_codes,
            life_events=life_event_codes,
            procedures_dir=procedures_dir,
        )
        problems += found
        if definition is not None:
            definitions.append((path, definition))
    problems += _related_problems(definitions)
    problems += _follow_up_problems(definitions, life_event_codes)
    if problems:
        raise CatalogError(problems)
    return Catalog(departments, life_events, definitions)


def _related_problems(definitions: list[tuple[Path, dict[str, Any]]]) -> list[Problem]:
    """A curated `related` list names other procedures: of this catalogue, or withdrawn ones.

    A withdrawn procedure (its file removed, its rows kept) is allowed so that withdrawing one
    does not block the load until every list naming it is edited; pages show only published ones.
    """
    codes = {definition["code"] for _path, definition in definitions}
    named = {code for _path, definition in definitions for code in definition.get("related", [])}
    known = codes | set(Procedure.objects.filter(code__in=named - codes).values_list("code", flat=True))
    problems = []
    for path, definition in definitions:
        for i, code in enumerate(definition.get("related", [])):
            if code == definition["code"]:
                problems.append(Problem(path.name, f"related/{i}", "a procedure cannot be related to itself"))
            elif code not in known:
                problems.append(Problem(path.name, f"related/{i}", f"unknown procedure {code!r}"))
    return problems


def _follow_up_problems(definitions: list[tuple[Path, dict[str, Any]]], life_events: set[str]) -> list[Problem]:
    """A `follow_ups` list names procedures of this catalogue and maps fields both of them have."""
    catalogue = {definition["code"]: definition for _path, definition in definitions}
    named = {
        follow_up.code
        for _path, definition in definitions
        if (spec := followups.declared(definition)) is not None
        for follow_up in spec.follow_ups
    }
    missing = named - catalogue.keys()
    withdrawn = (
        frozenset(Procedure.objects.filter(code__in=missing).values_list("code", flat=True)) if missing else frozenset()
    )
    return [
        Problem(path.name, where, reason)
        for path, definition in definitions
        for where, reason in followups.problems(definition, catalogue, life_events, withdrawn)
    ]


def load_catalog(procedures_dir: Path) -> LoadReport:
    """Validate every file in `procedures_dir`, then write them in one transaction (or raise)."""
    catalog = read_catalog(procedures_dir)
    with transaction.atomic():
        report = _write(catalog.departments, catalog.life_events, catalog.definitions, procedures_dir)
    cache.clear()
    versioned_cache.forget_version()
    return report


def _write(
    departments: list[dict[str, Any]],
    life_events: list[dict[str, Any]],
    definitions: list[tuple[Path, dict[str, Any]]],
    procedures_dir: Path,
) -> LoadReport:
    for order, d in enumerate(departments):
        Department.objects.update_or_create(
            code=d["code"],
            defaults={
                "name_ja": d["ja"],
                "name_en": d["en"],
                "is_external": d.get("external", False),
                "sort_order": order,
            },
        )
    for order, e in enumerate(life_events):
        LifeEvent.objects.update_or_create(
            code=e["code"],
            defaults={
                "name_ja": e["ja"],
                "name_en": e["en"],
                "description_ja": e.get("description_ja", ""),
                "description_en": e.get("description_en", ""),
                "sort_order": order,
            },
        )
    report = LoadReport()
    for order, (path, definition) in enumerate(definitions):
        _write_procedure(path.relative_to(procedures_dir).as_posix(), definition, order, report)
    # A procedure whose file was removed stops taking new applications; its versions stay for
    # the applications made with them.
    shipped = [definition["code"] for _path, definition in definitions]
    report.withdrawn = list(
        Procedure.objects.filter(is_active=True).exclude(code__in=shipped).values_list("code", flat=True)
    )
    Procedure.objects.filter(code__in=report.withdrawn).update(is_active=False)
    return report


def _write_procedure(source: str, definition: dict[str, Any], order: int, report: LoadReport) -> None:
    code = definition["code"]
    checksum = _checksum(definition)
    procedure, created = Procedure.objects.select_for_update().get_or_create(
        code=code, defaults={"department": Department.objects.get(code=definition["department"]), "sort_order": order}
    )
    current = procedure.current_version
    if current is not None and current.checksum == checksum:
        if not procedure.is_active:  # its file came back after a withdrawal
            procedure.is_active = True
            procedure.save(update_fields=["is_active"])
        report.unchanged.append(code)
        return
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=(current.number + 1) if current else 1,
        checksum=checksum,
        source_path=source,
        definition=definition,
        name_ja=definition["names"]["ja"],
        name_en=definition["names"]["en"],
        kind=definition["kind"],
        allows_guest=definition["allows_guest"],
        classification=definition["classification"],
        search_text=_search_text(definition),
    )
    procedure.current_version = version
    procedure.department = Department.objects.get(code=definition["department"])
    procedure.sort_order = order
    procedure.is_active = True
    procedure.save()
    procedure.life_events.set(LifeEvent.objects.filter(code__in=definition["life_events"]))
    (report.created if created else report.updated).append(code)
    events.record(
        "procedure.version_published",
        subject=f"procedure/{code}",
        data={"procedure": code, "version": version.number, "checksum": checksum},
    )
