# SPDX-License-Identifier: MPL-2.0
"""`manage.py relay_events`: the event relay on its own, woken by Redis (docs/relay.md)."""

from typing import Any

from django.core.management.base import BaseCommand

from civicloop.relay.relay import run_forever, run_pass


class Command(BaseCommand):
    help = "Relay committed events to consumers and webhook subscribers; woken by Redis, else polling."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, print how many items moved, exit.")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        if once:
            self.stdout.write(f"handled {run_pass()}")
            return
        run_forever()
