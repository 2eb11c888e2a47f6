# SPDX-License-Identifier: MPL-2.0
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.payments.reconciliation import SettlementUnreadable, import_settlement


class Command(BaseCommand):
    help = "Import the payment provider's daily settlement file and list every difference from civicloop's payments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the provider's settlement (reconciliation) file")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            run = import_settlement(data=path.read_bytes(), file_name=path.name, actor="system/reconcile_payments")
        except SettlementUnreadable as exc:
            raise CommandError(f"{path.name}: not a settlement file the provider's parser can read ({exc})") from exc
        lines = list(run.lines.order_by("kind", "provider_payment_id"))
        self.stdout.write(f"{path.name}: {run.matched} matched, {len(lines)} difference(s) (run {run.public_id})")
        for line in lines:
            here = "-" if line.amount_here_yen is None else f"{line.amount_here_yen}"
            there = "-" if line.amount_there_yen is None else f"{line.amount_there_yen}"
            self.stdout.write(f"  {line.kind:15} {line.provider_payment_id:30} here {here:>8}  provider {there:>8}")
