# SPDX-License-Identifier: MPL-2.0
"""One relay pass and the relay loop: sequence new events, feed consumers, send webhooks."""

import logging

from django.conf import settings
from django.db import close_old_connections

from civicloop.relay import webhooks
from civicloop.relay.consumers import load_consumers, run_consumer
from civicloop.relay.sequence import assign_positions
from civicloop.relay.wakeup import Waiter

log = logging.getLogger("civicloop.relay")


def run_pass() -> int:
    """Everything due now, once; returns how many items moved (events sequenced or applied, posts made)."""
    handled = assign_positions(limit=max(settings.RELAY_BATCH_SIZE * 10, 5000))
    for consumer in load_consumers():
        handled += run_consumer(consumer)
    handled += webhooks.send_due_deliveries()
    return handled


def run_forever(*, max_passes: int | None = None) -> None:
    """Pass after pass; when a pass finds nothing, wait for Redis's wake-up or the poll interval."""
    waiter = Waiter()
    passes = 0
    try:
        while max_passes is None or passes < max_passes:
            close_old_connections()
            handled = run_pass()
            passes += 1
            if not handled:
                waiter.wait(settings.RELAY_POLL_SECONDS)
    finally:
        waiter.close()
