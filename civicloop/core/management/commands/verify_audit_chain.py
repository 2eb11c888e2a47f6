# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicloop.core.audit import verify_chain
from civicloop.core.models import AuditEntry


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exit 0 when intact, else name the first broken entry."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify_chain()
        if broken is not None:
            raise CommandError(f"audit chain broken at entry {broken.seq}: {broken.reason}")
        self.stdout.write(f"audit chain intact ({AuditEntry.objects.count()} entries)")
