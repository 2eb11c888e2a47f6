# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django.core.management.base import BaseCommand

from civicloop.demo.seed import demo_admin_password, seed


class Command(BaseCommand):
    help = "Create the demo staff accounts (idempotent). Demo residents live in the demo identity provider."

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed()
        self.stdout.write(f"demo data ready ({created} new records)")
        password = demo_admin_password()
        self.stdout.write(
            f"staff inbox: /staff/inbox/  users clerk-seiso, clerk-kosodate, clerk-koseki  password {password}"
        )
        self.stdout.write(f"admin (triage queue, routing models): /admin/  user demo-admin  password {password}")
