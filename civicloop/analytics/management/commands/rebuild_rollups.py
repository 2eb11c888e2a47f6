# SPDX-License-Identifier: MPL-2.0
"""`manage.py rebuild_rollups`: empty the rollups and count the whole event table again."""

import time
from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from civicloop.analytics import rebuild, store
from civicloop.analytics.counting import COUNTED
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import Event


class Command(BaseCommand):
    help = "Truncate the analytics rollups and recompute them from the event table (one transaction)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=20_000, help="Events read and counted per step.")

    def handle(self, *args: Any, **options: Any) -> None:
        total = Event.objects.filter(type__in=[TYPE_PREFIX + t for t in COUNTED]).count()
        began = time.monotonic()
        with tqdm(total=total, unit="event", desc="rollups", mininterval=1.0, disable=options["verbosity"] == 0) as bar:
            counted = rebuild.rebuild(progress=bar.update, batch_size=options["batch"])
        store.vacuum_rollups()
        seconds = time.monotonic() - began
        self.stdout.write(
            f"{counted:,} events counted in {seconds:.1f} s ({counted / max(seconds, 1e-9):,.0f} events/s)"
        )
