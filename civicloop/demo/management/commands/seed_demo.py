# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from civicloop.demo.seed import demo_staff_usernames, seed
from civicloop.demo.staff_security import device_token_for
from civicloop.demo.summary import summary_block


class Command(BaseCommand):
    help = (
        "Create the demo staff, residents and first application, or re-point them to the current "
        "CIVICLOOP_SITE_URL (idempotent), then print who can sign in and each staff laptop's device token."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed()
        if options["verbosity"] == 0:
            return
        self.stdout.write(f"demo data ready ({created} new records)")
        self.stdout.write(
            "managed device tokens (link a browser at /staff/devices/; manage.py device_checkin --token …):"
        )
        for username in demo_staff_usernames():
            self.stdout.write(f"  {username}: {device_token_for(username)}")
        self.stdout.write(summary_block(settings.SITE_URL))
