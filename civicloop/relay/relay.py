# SPDX-License-Identifier: MPL-2.0
"""One relay pass and the relay loop: sequence new events, feed consumers, send webhooks."""

import logging
import time

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
    """Pass after pass; when a pass finds nothing, wait for Redis's wake-up or the poll interval.

    After a wake-up, and after a pass that found less than a batch, the loop gathers for
    RELAY_GATHER_SECONDS before the next pass. A pass costs about a dozen statements whatever it
    carries (sequencing, each consumer's checkpoint), so under steady submissions a pass per
    event cost more CPU than the work it relayed (bench/README.md); gathered, one pass serves the
    events of the last fraction of a second.
    """
    waiter = Waiter()
    passes = 0
    gather = settings.RELAY_GATHER_SECONDS
    try:
        while max_passes is None or passes < max_passes:
            close_old_connections()
            handled = run_pass()
            passes += 1
            if not handled:
                if waiter.wait(settings.RELAY_POLL_SECONDS) and gather:
                    time.sleep(gather)
            elif gather and handled < settings.RELAY_BATCH_SIZE:
                time.sleep(gather)
    finally:
        waiter.close()
