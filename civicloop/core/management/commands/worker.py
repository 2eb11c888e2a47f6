# SPDX-License-Identifier: MPL-2.0
"""`manage.py worker`: runs every settings.WORKER_TASKS `run_once()` in turn, forever (or --once)."""

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string

log = logging.getLogger("civicloop.worker")


class Command(BaseCommand):
    help = "Run the background tasks (event relay, notification delivery, SLA reminders)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="One pass over every task, then exit.")
        parser.add_argument("--idle-sleep", type=float, default=1.0, help="Seconds to wait when nothing was done.")

    def handle(self, *args: Any, once: bool = False, idle_sleep: float = 1.0, **options: Any) -> None:
        tasks = [(path, import_string(path)) for path in settings.WORKER_TASKS]
        while True:
            handled = 0
            for path, task in tasks:
                close_old_connections()
                try:
                    handled += int(task())
                except Exception:  # one task failing must not stop the others; it retries next pass
                    log.exception("worker task %s failed", path)
            if once:
                self.stdout.write(f"handled {handled}")
                return
            if not handled:
                time.sleep(idle_sleep)
