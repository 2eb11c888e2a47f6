# SPDX-License-Identifier: MPL-2.0
"""Consumers the Celery task tests configure in settings.EVENT_CONSUMERS (importable by dotted path)."""

from collections.abc import Sequence

from civicloop.core import events
from civicloop.core.models import Event

APPLIED = "test.applied"
KILL_AFTER = {"n": -1}  # >= 0: die after applying this many events of the next batch, once


class WorkerKilled(BaseException):
    """What a kill -9 looks like from inside: nothing catches it, the task and its transaction end."""


def record_each(batch: Sequence[Event]) -> None:
    """A DB consumer: one `test.applied` event per event it applies, in the relay's transaction.

    Counting those rows per source event shows, from the data, how often each event was applied.
    """
    for done, event in enumerate(batch):
        if KILL_AFTER["n"] == done:
            KILL_AFTER["n"] = -1
            raise WorkerKilled(f"killed after {done} events of the batch")
        if event.type.endswith(APPLIED):
            continue
        events.record(APPLIED, subject=f"event/{event.id}", data={"position": event.position})
