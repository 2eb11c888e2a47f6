# SPDX-License-Identifier: MPL-2.0
"""Standardized events: CloudEvents 1.0, written to the outbox inside the caller's transaction.

A lower app never imports a higher one; when a write in one app must cause work in another
(a submission opening a case), it records an event and the other app subscribes here. In-process
subscribers run inside the same transaction, so the reaction commits or rolls back with the
change. Outside consumers get the event from the outbox after commit (at least once).
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicloop.core import insert_batch
from civicloop.core.models import Classification, Event

TYPE_PREFIX = "jp.lg.civicloop."
log = logging.getLogger("civicloop.events")

Subscriber = Callable[[Event], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)
# Called once after each commit that recorded events (the relay's wake-up signal). A hook that
# fails is logged, never raised: the outbox row is already committed and the relay polls anyway.
_after_commit_hooks: list[Callable[[], None]] = []


class NotInTransaction(RuntimeError):
    """record() was called outside transaction.atomic: the event could outlive a rolled-back change."""


def subscribe(event_type: str) -> Callable[[Subscriber], Subscriber]:
    """Register an in-process subscriber for a short type such as "application.submitted"."""

    def register(func: Subscriber) -> Subscriber:
        if func not in _subscribers[event_type]:
            _subscribers[event_type].append(func)
        return func

    return register


def after_commit(func: Callable[[], None]) -> Callable[[], None]:
    """Register `func` to run after a transaction that recorded events commits (not per event)."""
    if func not in _after_commit_hooks:
        _after_commit_hooks.append(func)
    return func


def _run_after_commit_hooks() -> None:
    for hook in _after_commit_hooks:
        try:
            hook()
        except Exception:  # the change is committed; a failing hook must not stop the others
            log.exception("after-commit hook %s failed", getattr(hook, "__name__", hook))


def _schedule_after_commit_hooks() -> None:
    connection = transaction.get_connection()
    # One callback per transaction, not per event: look for ours among those already queued.
    if any(func is _run_after_commit_hooks for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_run_after_commit_hooks, robust=True)


def record(
    event_type: str,
    *,
    subject: str,
    data: Mapping[str, Any],
    classification: str = Classification.OFFICIAL,
    instance: object | None = None,
) -> Event:
    """Write one event to the outbox and run its in-process subscribers, in the current transaction.

    `event_type` is the short form ("application.submitted"); the stored type carries the
    reverse-DNS prefix. `data` holds ids and codes only, never personal data. `instance`, the
    object the event is about, is handed to in-process subscribers (as `event.instance`) so they
    need not read back what the caller already holds; it is never stored.
    """
    if not transaction.get_connection().in_atomic_block:
        raise NotInTransaction(f"record({event_type!r}) must run inside transaction.atomic")
    event = Event(
        source=f"urn:lg:{settings.LG_CODE}",
        type=TYPE_PREFIX + event_type,
        subject=subject,
        time=timezone.now(),
        data=dict(data),
        classification=classification,
    )
    insert_batch.add(event)  # written at once, or with the rest of an insert batch
    event.instance = instance  # type: ignore[attr-defined]
    for subscriber in _subscribers.get(event_type, []):
        subscriber(event)
    if _after_commit_hooks:
        _schedule_after_commit_hooks()
    return event
