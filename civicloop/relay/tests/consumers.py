# SPDX-License-Identifier: MPL-2.0
"""Consumers the relay tests configure in settings.EVENT_CONSUMERS (importable by dotted path)."""

from collections.abc import Sequence

from civicloop.core.models import Event
from civicloop.relay import webhooks

SEEN: list[int] = []
CRASHES_LEFT = {"n": 0}


def remember(events: Sequence[Event]) -> None:
    """An in-memory consumer: notes the positions it was handed, in the order it got them."""
    SEEN.extend(int(event.position or 0) for event in events)


def queue_then_crash(events: Sequence[Event]) -> None:
    """A DB consumer that writes (queues webhook deliveries) and then crashes while CRASHES_LEFT."""
    webhooks.apply(events)
    if CRASHES_LEFT["n"] > 0:
        CRASHES_LEFT["n"] -= 1
        raise RuntimeError("consumer crashed after writing")


def always_fails(events: Sequence[Event]) -> None:
    raise RuntimeError("this consumer is broken")
