# SPDX-License-Identifier: MPL-2.0
"""`manage.py backup_site --to DIR`: the database, the stored files and a manifest, as one consistent backup."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicloop.ops.backup import exit_codes
from civicloop.ops.backup.database import DatabaseToolFailed
from civicloop.ops.backup.site import back_up_site


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup), every stored file (attachments, signed "
        "PDFs) and a manifest of row counts, file hashes and the audit chain's head into a new folder. "
        "The folder holds personal data: encrypt it before it leaves the machine."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--to", type=Path, required=True, dest="folder", help="A new or empty folder.")

    def handle(self, *args: Any, folder: Path, **options: Any) -> None:
        try:
            manifest = back_up_site(folder)
        except (DatabaseToolFailed, FileExistsError) as exc:
            raise CommandError(str(exc), returncode=exit_codes.FAILED) from None
        facts = manifest.facts
        self.stdout.write(
            f"backup written to {folder}: {facts.vendor} database, {len(facts.tables)} tables, "
            f"{sum(facts.tables.values())} rows; {len(manifest.files)} files, "
            f"{sum(stored.size for stored in manifest.files.values())} bytes; "
            f"audit chain of {facts.audit.count} entries ending {facts.audit.head_hash[:12]}…"
        )
