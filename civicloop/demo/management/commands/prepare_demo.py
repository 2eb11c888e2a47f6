# SPDX-License-Identifier: MPL-2.0
"""`manage.py prepare_demo`: everything `make run` does before serving, in one process.

One process rather than five because each manage.py start imports the whole project (a few
seconds on a busy machine). Each step is safe to repeat: the second `make run` migrates nothing,
finds the catalogue unchanged, re-points the demo to the current site URL, keeps the routing
model and the generated history.
"""

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from civicloop.demo.improvement import seed_improvement


class Command(BaseCommand):
    help = (
        "Migrate, load the catalogue, seed the demo, train the routing model if there is none and "
        "generate a year of history if there is none (make run; safe to repeat)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        self.stdout.write(f"civicloop: preparing the database and the demo in {settings.VAR_DIR} …")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_catalog", stdout=self.stdout)
        call_command("seed_demo", verbosity=0)
        self.stdout.write(f"demo staff and residents ready for {settings.SITE_URL}")
        # The first start trains the inquiry router (a few seconds) and says so; later starts keep it.
        call_command("train_routing_model", if_missing=True, stdout=self.stdout)
        call_command("generate_history", if_empty=True, years=1, events=30000, seed=1, verbosity=0, stdout=self.stdout)
        seed_improvement()  # the 改善 page's demo action, on the history just made (once)
        self.stdout.write(f"ready in {time.monotonic() - started:.0f} s; starting the server …")
