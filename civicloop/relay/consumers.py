# SPDX-License-Identifier: MPL-2.0
"""Hand committed events to each consumer in settings.EVENT_CONSUMERS, in order, at least once.

A consumer is a callable `apply(events: Sequence[Event]) -> None`. It runs inside the same
transaction as the advance of its checkpoint (`ConsumerCursor`): a DB consumer's writes and the
checkpoint commit together, so for it delivery is effectively once. A consumer that raises rolls
back its own writes, keeps its checkpoint, and waits out a backoff; the others go on.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from civicloop.core.models import Event
from civicloop.relay.backoff import retry_time
from civicloop.relay.models import ConsumerCursor

log = logging.getLogger("civicloop.relay")

Apply = Callable[[Sequence[Event]], None]
_missing_warned: set[str] = set()


@dataclass(frozen=True)
class Consumer:
    name: str
    apply: Apply


def load_consumers() -> list[Consumer]:
    """The configured consumers that can be imported; a missing one is skipped with a warning.

    Only ImportError is tolerated (an app not written or not installed yet): its checkpoint stays
    at 0, so once it appears it starts from the beginning of the log and misses nothing.
    """
    consumers = []
    for name, path in settings.EVENT_CONSUMERS.items():
        try:
            func = import_string(path)
        except ImportError as exc:
            if name not in _missing_warned:
                log.warning("event consumer %s (%s) cannot be imported, skipped: %s", name, path, exc)
                _missing_warned.add(name)
            continue
        consumers.append(Consumer(name, func))
    return consumers


def run_consumer(consumer: Consumer, *, batch_size: int | None = None) -> int:
    """Give `consumer` its next batch after its checkpoint; return how many events it applied."""
    cursor, _ = ConsumerCursor.objects.get_or_create(name=consumer.name)
    if cursor.is_backing_off():
        return 0
    limit = batch_size or settings.RELAY_BATCH_SIZE
    try:
        return _apply_next_batch(consumer, limit)
    except Exception as exc:  # the consumer's fault: keep its checkpoint, back off, let the others go on
        log.exception("event consumer %s failed; it retries after a backoff", consumer.name)
        _record_failure(consumer.name, exc)
        return 0


def _apply_next_batch(consumer: Consumer, limit: int) -> int:
    with transaction.atomic():
        # One relay process per consumer at a time; another that finds the row locked skips it.
        cursor = ConsumerCursor.objects.select_for_update(skip_locked=True).filter(name=consumer.name).first()
        if cursor is None:
            return 0
        batch = list(Event.objects.filter(position__gt=cursor.position).order_by("position")[:limit])
        if not batch:
            return 0
        consumer.apply(batch)
        cursor.position = int(batch[-1].position or 0)
        cursor.failures = 0
        cursor.retry_at = None
        cursor.last_error = ""
        cursor.save(update_fields=["position", "failures", "retry_at", "last_error", "updated_at"])
        return len(batch)


def _record_failure(name: str, exc: Exception) -> None:
    with transaction.atomic():
        cursor = ConsumerCursor.objects.select_for_update().get(name=name)
        cursor.failures += 1
        cursor.retry_at = retry_time(cursor.failures)
        cursor.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        cursor.save(update_fields=["failures", "retry_at", "last_error", "updated_at"])


def pending_for(name: str) -> int:
    """How many sequenced events the consumer has not applied yet (for status pages and tests)."""
    cursor = ConsumerCursor.objects.filter(name=name).first()
    return Event.objects.filter(position__gt=cursor.position if cursor else 0).count()
