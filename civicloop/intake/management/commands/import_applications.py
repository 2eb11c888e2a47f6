# SPDX-License-Identifier: MPL-2.0
"""`manage.py import_applications MAPPING INPUT [--dry-run]`: another channel's export into the inbox."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.intake import importer
from civicloop.intake.mapping import MappingInvalid, load


class Command(BaseCommand):
    help = (
        "Import a ぴったりサービス or LoGoフォーム export as submitted applications, once each: MAPPING is a "
        "file in procedures/_imports/ (name or path), INPUT the export's data file or folder (with attachments)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("mapping")
        parser.add_argument("input")
        parser.add_argument("--dry-run", action="store_true", help="Check every record, create nothing")
        parser.add_argument("--report", help="Also write the report (every record's fate) to this JSON file")
        parser.add_argument("--actor", default="system:import", help="Who is importing, for the audit log")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            mapping = load(options["mapping"])
            result = importer.run(mapping, Path(options["input"]), dry_run=options["dry_run"], actor=options["actor"])
        except (MappingInvalid, importer.InputInvalid) as error:
            raise CommandError(str(error)) from None
        for line in result.report:
            detail = line.get("receipt_number", "") or "; ".join(f"{k}: {v}" for k, v in line.get("errors", {}).items())
            self.stdout.write(f"row {line['row']:>5}  {line['external_id'] or '-':<24} {line['fate']:<13} {detail}")
        verb = "would import" if result.dry_run else "imported"
        self.stdout.write(
            f"{mapping.source} → {mapping.procedure}: {verb} {result.imported}, "
            f"duplicates {result.duplicates}, rejected {result.rejected} (run {result.pk})"
        )
        if options["report"]:
            Path(options["report"]).write_text(
                json.dumps(result.report, ensure_ascii=False, indent=2), encoding="utf-8"
            )
