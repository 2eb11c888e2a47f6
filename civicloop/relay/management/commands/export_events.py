# SPDX-License-Identifier: MPL-2.0
"""`manage.py export_events`: the event log as CloudEvents JSON lines, OCEL 2.0 JSON or Parquet.

It lives in the relay app rather than core because it applies the access policy (accounts,
classification), which core must not import (architecture.md, import direction).
"""

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.relay.exports import FORMATS, ExportRefused, export_events, export_scope


def parse_since(raw: str) -> datetime:
    """A date (midnight, Japan time) or an ISO 8601 date-time (Japan time when it has no offset)."""
    try:
        if len(raw) == 10:
            return timezone.make_aware(datetime.combine(date.fromisoformat(raw), time.min))
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--since {raw!r} is not a date (2026-04-01) or date-time (2026-04-01T09:00)") from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Export events as CloudEvents JSON lines, OCEL 2.0 JSON or Parquet, within what the requester may export."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        parser.add_argument(
            "--output",
            required=True,
            help="File to write (replaced only when complete); for parquet a folder, one file per month.",
        )
        parser.add_argument("--since", help="Only events at or after this date or date-time (Japan time).")
        parser.add_argument(
            "--type",
            action="append",
            default=[],
            dest="types",
            help="Event type (short, full or 'case.*'); repeatable.",
        )
        parser.add_argument("--as-user", help="Export what this staff member may export (username).")
        parser.add_argument(
            "--include-classified", action="store_true", help="Include SECRET events (an administrator, --as-user)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if not output.parent.exists():
            raise CommandError(f"the folder {output.parent} does not exist")
        user = None
        if options["as_user"]:
            user = User.objects.filter(username=options["as_user"]).first()
            if user is None:
                raise CommandError(f"no user {options['as_user']!r}")
        try:
            scope = export_scope(user, include_classified=options["include_classified"])
        except ExportRefused as exc:
            raise CommandError(str(exc)) from exc
        since = parse_since(options["since"]) if options["since"] else None
        result = export_events(fmt=options["fmt"], output=output, scope=scope, since=since, types=options["types"])
        files = f", {result.files} files" if options["fmt"] == "parquet" else ""
        self.stdout.write(
            f"wrote {result.events} events to {result.path} ({options['fmt']}{files}; tiers: {', '.join(scope.tiers)})"
        )
