# SPDX-License-Identifier: MPL-2.0
"""`manage.py import_mail_counts FILE.csv`: the mail server's monthly internal e-mail counts per department."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.analytics.mail_counts import MailCountsInvalid, import_file


class Command(BaseCommand):
    help = "Import internal e-mail counts (CSV: month,department,messages) for the staff dashboard."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = import_file(options["file"])
        except MailCountsInvalid as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"internal e-mail counts: {result.created} new, {result.replaced} replaced")
