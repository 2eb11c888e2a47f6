# SPDX-License-Identifier: MPL-2.0
"""`manage.py restore_site --from DIR`: a backup into the configured, empty database and storage."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicloop.ops.backup import exit_codes
from civicloop.ops.backup.database import DatabaseToolFailed, TargetNotEmpty
from civicloop.ops.backup.manifest import BackupUnreadable
from civicloop.ops.backup.site import BackupNewerThanCode, differences, restore_site
from civicloop.ops.management.commands.verify_restore import report

REFUSALS: dict[type[Exception], int] = {
    TargetNotEmpty: exit_codes.TARGET_NOT_EMPTY,
    BackupNewerThanCode: exit_codes.NEWER_THAN_CODE,
    BackupUnreadable: exit_codes.BACKUP_UNREADABLE,
    DatabaseToolFailed: exit_codes.FAILED,
}


class Command(BaseCommand):
    help = (
        "Restore a backup_site folder into the configured database (DATABASE_URL) and storage, which must be "
        "empty unless --force. Refuses a damaged backup and one made by newer code. Then run migrate, "
        "and verify_restore (or pass --verify)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--from", type=Path, required=True, dest="folder", help="The backup's folder.")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that has tables, overwrite files of the same name."
        )
        parser.add_argument("--verify", action="store_true", help="Afterwards, compare the site with the manifest.")

    def handle(self, *args: Any, folder: Path, force: bool, verify: bool, **options: Any) -> None:
        try:
            manifest = restore_site(folder, replace=force)
        except tuple(REFUSALS) as exc:
            raise CommandError(str(exc), returncode=REFUSALS[type(exc)]) from None
        self.stdout.write(
            f"restored the backup of {manifest.created_at}: {sum(manifest.facts.tables.values())} rows, "
            f"{len(manifest.files)} files"
        )
        if verify:
            report(self, differences(manifest), manifest)
