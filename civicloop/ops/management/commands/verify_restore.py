# SPDX-License-Identifier: MPL-2.0
"""`manage.py verify_restore --manifest DIR/manifest.json`: does the site hold exactly what the backup held?"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicloop.ops.backup import exit_codes
from civicloop.ops.backup.manifest import BackupUnreadable, Manifest, read_manifest
from civicloop.ops.backup.site import Difference, differences


class Command(BaseCommand):
    help = (
        "Compare the configured database and storage with a backup's manifest: rows per table, every file's "
        "size and SHA-256, and the audit chain (verified, and ending at the backup's head). Exit 0 when they "
        "match, else 6 with one line per difference. Run it after restore_site and before migrate."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--manifest", type=Path, required=True, help="The backup's manifest.json (or the backup's folder)."
        )

    def handle(self, *args: Any, manifest: Path, **options: Any) -> None:
        try:
            read = read_manifest(manifest)
        except BackupUnreadable as exc:
            raise CommandError(str(exc), returncode=exit_codes.BACKUP_UNREADABLE) from None
        report(self, differences(read), read)


def report(command: BaseCommand, found: Sequence[Difference], manifest: Manifest) -> None:
    """Print the verdict; CommandError (exit 6) listing every difference when there is one."""
    if found:
        command.stderr.write("\n".join(f"  - {difference}" for difference in found))
        raise CommandError(
            f"the site differs from the backup of {manifest.created_at} in {len(found)} places (listed above)",
            returncode=exit_codes.DIFFERS,
        )
    facts = manifest.facts
    command.stdout.write(
        f"the site matches the backup of {manifest.created_at}: {len(facts.tables)} tables, "
        f"{sum(facts.tables.values())} rows, {len(manifest.files)} files, "
        f"audit chain intact with {facts.audit.count} entries up to the backup's head"
    )
