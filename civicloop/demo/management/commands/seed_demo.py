# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django.core.management.base import BaseCommand

from civicloop.demo.seed import DEMO_STAFF, demo_admin_password, seed
from civicloop.demo.staff_security import device_token_for


class Command(BaseCommand):
    help = "Create the demo staff accounts (idempotent). Demo residents live in the demo identity provider."

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed()
        self.stdout.write(f"demo data ready ({created} new records)")
        password = demo_admin_password()
        self.stdout.write(
            f"staff inbox: /staff/inbox/  users {', '.join(s[0] for s in DEMO_STAFF)}  password {password}"
        )
        self.stdout.write(f"admin (triage queue, routing models): /admin/  user demo-admin  password {password}")
        self.stdout.write(
            "second factor: staff sign in at /staff/login/, then type the code of their TOTP app; "
            "`python manage.py demo_totp <username>` prints it"
        )
        for username in [s[0] for s in DEMO_STAFF] + ["demo-admin"]:
            self.stdout.write(
                f"  {username}: managed device token {device_token_for(username)}"
                " (link a browser at /staff/devices/; report posture with manage.py device_checkin --token …)"
            )
