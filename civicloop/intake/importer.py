# SPDX-License-Identifier: MPL-2.0
"""Import another channel's export (ぴったりサービス, LoGoフォーム) as submitted applications.

Each record of the export becomes one application in civicloop, submitted exactly as an online
one (numbered, its case opened in the procedure's department inbox, receipt notice, events and
audit), with the export's source as its channel. Every record's fate is reported:

- `imported`: submitted, with its receipt number;
- `duplicate`: its external id came in before (this run or an earlier one): nothing created;
- `rejected`: what the form would refuse (each field's message, as the resident would read it),
  a missing or refused attachment, or no id: nothing created;
- `would_import`: a dry run's `imported` (nothing created, every check made).

One record is one transaction (application, attachments, submission, import record): a failure
half-way leaves nothing of that record, and the (source, external id) unique constraint makes a
concurrent second import of the same record a `duplicate`, never a second application.
"""

import csv
import hashlib
import io
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from civicloop.applications.actions import (
    AttachmentRejected,
    CheckedUpload,
    answer_errors,
    check_upload,
    store_attachment,
    submit_application,
)
from civicloop.applications.models import Application
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import parse_post, storable_problem
from civicloop.catalog.models import Procedure, ProcedureVersion
from civicloop.core import audit
from civicloop.intake.mapping import FieldRule, Mapping
from civicloop.intake.models import ImportedRecord, ImportRun

MAX_RECORDS = 10_000
MAX_DATA_BYTES = 50 * 1024 * 1024


class InputInvalid(ValueError):
    """The export can't be read at all (missing, too large, not CSV / XML): nothing was imported."""


@dataclass
class Outcome:
    row: int
    external_id: str
    fate: str
    receipt_number: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"row": self.row, "external_id": self.external_id, "fate": self.fate}
        if self.receipt_number:
            data["receipt_number"] = self.receipt_number
        if self.errors:
            data["errors"] = self.errors
        return data


# Reading the export ---------------------------------------------------------------------------------


def data_file(mapping: Mapping, input_path: Path) -> Path:
    """The data file: the input itself, or the mapping's `data_file` (or the only .csv / .xml) in a folder."""
    if input_path.is_file():
        return input_path
    if not input_path.is_dir():
        raise InputInvalid(f"{input_path}: no such file or folder")
    if mapping.data_file:
        return input_path / mapping.data_file
    found = sorted(input_path.glob(f"*.{mapping.format}"))
    if len(found) != 1:
        raise InputInvalid(f"{input_path}: expected one .{mapping.format} file, found {len(found)}")
    return found[0]


def read_text(path: Path, encoding: str) -> str:
    try:
        if path.stat().st_size > MAX_DATA_BYTES:
            raise InputInvalid(f"{path.name}: larger than {MAX_DATA_BYTES // (1024 * 1024)} MB")
        return path.read_bytes().decode(encoding)
    except OSError as error:
        raise InputInvalid(f"{path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InputInvalid(f"{path.name}: not {encoding} text (the mapping's encoding)") from None


def csv_records(text: str) -> Iterator[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    for record in reader:
        yield {str(k).strip(): (v or "").strip() for k, v in record.items() if k is not None}


def xml_records(text: str, tag: str) -> Iterator[dict[str, str]]:
    """Each `tag` element as {relative path: text}: "申請者/氏名/姓" → "渋谷"."""
    try:
        root = ET.fromstring(text)  # noqa: S314 (see the import)
    except ET.ParseError as error:
        raise InputInvalid(f"not well-formed XML: {error}") from None
    for element in root.iter(tag):
        flat: dict[str, str] = {}
        stack = [(element, "")]
        while stack:
            node, prefix = stack.pop()
            for child in node:
                path = f"{prefix}{child.tag}"
                if len(child):
                    stack.append((child, f"{path}/"))
                else:
                    flat[path] = (child.text or "").strip()
        yield flat


def records(mapping: Mapping, path: Path) -> list[dict[str, str]]:
    text = read_text(path, mapping.encoding)
    found = list(csv_records(text) if mapping.format == "csv" else xml_records(text, mapping.record))
    if len(found) > MAX_RECORDS:
        raise InputInvalid(f"{path.name}: more than {MAX_RECORDS} records; split the export")
    return found


# One record -----------------------------------------------------------------------------------------


def form_data(mapping: Mapping, record: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The record as a form post ({answer path: text}) and what could not be mapped."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for rule in mapping.fields:
        raw = rule.value if rule.source == "" else record.get(rule.source, "")
        if raw is None or raw == "":
            continue
        try:
            data[rule.target] = convert(rule, raw)
        except ValueError as error:
            errors[rule.target] = str(error)
    return data, errors


def convert(rule: FieldRule, raw: Any) -> Any:
    if rule.split:
        return [str(convert_one(rule, part.strip())) for part in str(raw).split(rule.split) if part.strip()]
    value = convert_one(rule, raw)
    return value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def convert_one(rule: FieldRule, raw: Any) -> Any:
    if rule.table:
        if str(raw) not in rule.table:
            raise ValueError(f"「{raw}」 is not a value the mapping knows ({', '.join(rule.table)})")
        return rule.table[str(raw)]
    if rule.date:
        try:
            return datetime.strptime(str(raw), rule.date).date().isoformat()
        except ValueError:
            raise ValueError(f"「{raw}」 is not a date written as {rule.date}") from None
    return raw


def attachment_uploads(
    mapping: Mapping, definition: Definition, record: dict[str, str], folder: Path
) -> tuple[list[CheckedUpload], dict[str, str]]:
    uploads, errors = [], {}
    for kind, column in mapping.attachments.items():
        name = record.get(column, "")
        if not name:
            continue
        path = (folder / name).resolve()
        if folder.resolve() not in path.parents or not path.is_file():
            errors[f"attachment:{kind}"] = f"{name}: not found in the export's folder"
            continue
        try:
            upload = SimpleUploadedFile(path.name, path.read_bytes())
            uploads.append(check_upload(definition, kind, upload))
        except AttachmentRejected as error:
            errors[f"attachment:{kind}"] = str(error)
    return uploads, errors


@dataclass
class Importer:
    mapping: Mapping
    folder: Path
    dry_run: bool
    run: ImportRun
    version: ProcedureVersion
    seen: set[str] = field(default_factory=set)

    @property
    def definition(self) -> Definition:
        return Definition(self.version.definition)

    def one(self, row: int, record: dict[str, str]) -> Outcome:
        external_id = record.get(self.mapping.id, "").strip()[:100]
        if not external_id:
            return Outcome(row, "", "rejected", errors={"id": f"no {self.mapping.id}"})
        if external_id in self.seen:
            return Outcome(row, external_id, "duplicate", errors={"id": "twice in this export"})
        self.seen.add(external_id)
        earlier = (
            ImportedRecord.objects.filter(source=self.mapping.source, external_id=external_id)
            .values_list("application__receipt_number", flat=True)
            .first()
        )
        if earlier is not None:
            return Outcome(row, external_id, "duplicate", receipt_number=earlier or "")
        definition = self.definition
        data, errors = form_data(self.mapping, record)
        answers = definition.prune(parse_post(definition.schema, list(definition.schema["properties"]), data))
        if problem := storable_problem(answers):
            errors["__all__"] = problem
        uploads, upload_errors = attachment_uploads(self.mapping, definition, record, self.folder)
        # The mapping's and the files' own messages first: they say more than "choose a purpose".
        errors = answer_errors(definition, answers, {u.kind for u in uploads}) | errors | upload_errors
        if errors:
            return Outcome(row, external_id, "rejected", errors=errors)
        if self.dry_run:
            return Outcome(row, external_id, "would_import")
        email = record.get(self.mapping.email, "")[:254] if self.mapping.email else ""
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    procedure_version=self.version,
                    applicant=None,
                    guest_key=secrets.token_urlsafe(32),
                    guest_email=email,
                    answers=answers,
                    channel=self.mapping.source,
                    classification=self.version.classification,
                )
                for upload in uploads:
                    store_attachment(application, upload)
                application = submit_application(
                    application=application, submission_key=f"{self.mapping.source}:{external_id}"
                )
                ImportedRecord.objects.create(
                    source=self.mapping.source, external_id=external_id, application=application, run=self.run
                )
        except IntegrityError:  # imported by a concurrent run a moment ago
            return Outcome(row, external_id, "duplicate")
        return Outcome(row, external_id, "imported", receipt_number=application.receipt_number or "")


def run(mapping: Mapping, input_path: Path, *, dry_run: bool, actor: str) -> ImportRun:
    """Import (or, with `dry_run`, check) every record of the export; the run with its report."""
    path = data_file(mapping, input_path)
    found = records(mapping, path)
    procedure = Procedure.objects.filter(code=mapping.procedure).first()
    version = procedure.current_version if procedure else None
    if version is None:
        raise InputInvalid(f"procedure {mapping.procedure} is not in the catalogue")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    import_run = ImportRun.objects.create(
        source=mapping.source, mapping=mapping.name, input_sha256=digest, dry_run=dry_run, started_by=actor
    )
    importer = Importer(mapping, path.parent, dry_run, import_run, version)
    # Row numbers as a spreadsheet shows them: the CSV header is row 1.
    first = 2 if mapping.format == "csv" else 1
    outcomes = [importer.one(first + index, record) for index, record in enumerate(found)]
    import_run.imported = sum(o.fate in ("imported", "would_import") for o in outcomes)
    import_run.duplicates = sum(o.fate == "duplicate" for o in outcomes)
    import_run.rejected = sum(o.fate == "rejected" for o in outcomes)
    import_run.report = [o.as_json() for o in outcomes]
    import_run.save(update_fields=["imported", "duplicates", "rejected", "report"])
    audit.record(
        actor=actor,
        action="intake.dry_run" if dry_run else "intake.import",
        object_type="intake.importrun",
        object_id=str(import_run.pk),
        data={
            "source": mapping.source,
            "mapping": mapping.name,
            "sha256": digest,
            "imported": import_run.imported,
            "duplicates": import_run.duplicates,
            "rejected": import_run.rejected,
        },
    )
    return import_run
