# SPDX-License-Identifier: MPL-2.0
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.catalog.loader import CatalogError, load_catalog


class Command(BaseCommand):
    help = "Load and version the procedures in procedures/ (all files or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=settings.PROCEDURES_DIR, help="catalogue folder")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_catalog(options["dir"])
        except CatalogError as exc:
            raise CommandError(f"catalogue not loaded, nothing changed:\n{exc}") from exc
        self.stdout.write(
            f"catalogue loaded: {len(report.created)} new, {len(report.updated)} new versions, "
            f"{len(report.unchanged)} unchanged, {len(report.withdrawn)} withdrawn"
        )
