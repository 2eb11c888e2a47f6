# SPDX-License-Identifier: MPL-2.0
"""Webhook subscribers: the "webhooks" event consumer and the sender of its deliveries.

Two steps, so that no HTTP call ever runs inside a database transaction:
1. `apply(events)` (a DB consumer, in the relay's transaction) writes one `WebhookDelivery` per
   (subscriber, event) the subscriber's filters and classification ceiling allow. The pair is
   unique, so a redelivered batch creates nothing new: applied once.
2. `send_due_deliveries()` posts pending deliveries, oldest position first, signed with HMAC-SHA256
   (`core.webhooks`). A failure stops that subscriber's turn and backs the subscriber off
   exponentially; after RELAY_WEBHOOK_MAX_ATTEMPTS a delivery is marked failed and the next goes.
"""

import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicloop.catalog.models import Procedure
from civicloop.core import audit, webhooks
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import TIER_RANK, Classification, Event
from civicloop.relay.backoff import retry_time
from civicloop.relay.models import WebhookDelivery, WebhookSubscription

log = logging.getLogger("civicloop.relay")

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def short_type(event_type: str) -> str:
    return event_type.removeprefix(TYPE_PREFIX)


def may_receive(subscription: WebhookSubscription, classification: str) -> bool:
    """The handling rule for external receivers: at most the subscription's ceiling, never TOP SECRET."""
    if classification == Classification.TOP_SECRET:
        return False  # DOMAIN.md: TOP SECRET has no email, chat, export or print; it never leaves
    return TIER_RANK[Classification(classification)] <= TIER_RANK[Classification(subscription.max_classification)]


def event_departments(events: Sequence[Event]) -> dict[int, str | None]:
    """Each event's department code: its data's `department` (or an inquiry's `routed_to`), else
    its procedure's department; None when neither says (a department-bound subscriber gets none)."""
    procedures = {str(e.data.get("procedure")) for e in events if isinstance(e.data, dict) and e.data.get("procedure")}
    owner = dict(Procedure.objects.filter(code__in=procedures).values_list("code", "department__code"))
    found: dict[int, str | None] = {}
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        named = data.get("department") or data.get("routed_to")
        found[id(event)] = str(named) if named else owner.get(str(data.get("procedure", "")))
    return found


def apply(events: Sequence[Event]) -> None:
    """The "webhooks" consumer: queue a delivery for each subscriber that wants each event."""
    subscriptions = list(WebhookSubscription.objects.filter(is_active=True))
    if not subscriptions:
        return
    departments = event_departments(events) if any(sub.departments for sub in subscriptions) else {}
    rows = [
        WebhookDelivery(subscription=sub, event=event, position=int(event.position or 0))
        for event in events
        for sub in subscriptions
        if int(event.position or 0) > sub.from_position
        and sub.wants(short_type(event.type))
        and may_receive(sub, event.classification)
        and sub.covers(departments.get(id(event)))
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)


def body_of(event: Event) -> bytes:
    """Structured-mode CloudEvent; `sequence` (CloudEvents extension) is the relay position."""
    envelope = event.as_cloudevent()
    envelope["sequence"] = str(event.position)
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def send_due_deliveries(*, per_subscriber: int = 50) -> int:
    """One turn for every subscriber that is due; returns how many deliveries succeeded."""
    now = timezone.now()
    due = (
        WebhookSubscription.objects.filter(is_active=True, deliveries__status=WebhookDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .distinct()
    )
    return sum(_take_turn(sub, per_subscriber) for sub in due)


def _claim(subscription: WebhookSubscription, limit: int) -> bool:
    """Take the subscriber for one turn (compare-and-set), so two relay processes never both send.

    The claim is a lease: if this process dies mid-turn, the subscriber is due again once it ends.
    """
    now = timezone.now()
    lease = timedelta(seconds=settings.RELAY_WEBHOOK_TIMEOUT_SECONDS * limit + 60)
    claimed = (
        WebhookSubscription.objects.filter(pk=subscription.pk, next_attempt_at=subscription.next_attempt_at)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + lease)
    )
    return claimed == 1


def _take_turn(subscription: WebhookSubscription, limit: int) -> int:
    if not _claim(subscription, limit):
        return 0
    pending = (
        WebhookDelivery.objects.filter(subscription=subscription, status=WebhookDelivery.Status.PENDING)
        .select_related("event")
        .order_by("position")[:limit]
    )
    sent = 0
    failed = False
    for delivery in pending:
        if not may_receive(subscription, delivery.event.classification):
            _finish(delivery, WebhookDelivery.Status.WITHHELD, None, "above the subscription's ceiling")
            continue
        if not _send(subscription, delivery):
            failed = True
            break
        sent += 1
    _end_turn(subscription, failed=failed)
    return sent


def _send(subscription: WebhookSubscription, delivery: WebhookDelivery) -> bool:
    status_code, detail = webhooks.deliver(
        subscription.url,
        subscription.secret,
        body_of(delivery.event),
        timeout=settings.RELAY_WEBHOOK_TIMEOUT_SECONDS,
        content_type=CONTENT_TYPE,
    )
    delivery.attempts += 1
    if status_code is not None and 200 <= status_code < 300:
        _finish(delivery, WebhookDelivery.Status.DELIVERED, status_code, "")
        if delivery.event.classification != Classification.OFFICIAL:
            _audit_classified_delivery(subscription, delivery)
        return True
    gave_up = delivery.attempts >= settings.RELAY_WEBHOOK_MAX_ATTEMPTS
    status = WebhookDelivery.Status.FAILED if gave_up else WebhookDelivery.Status.PENDING
    _finish(delivery, status, status_code, detail)
    subscription.last_error = detail[:300]
    log.info("webhook %s: delivery #%s failed (%s)", subscription.public_id, delivery.position, detail)
    return False


def _finish(delivery: WebhookDelivery, status: str, status_code: int | None, error: str) -> None:
    now = timezone.now()
    delivery.status = status
    delivery.last_status_code = status_code
    delivery.last_error = error[:300]
    delivery.last_attempt_at = now
    if status == WebhookDelivery.Status.DELIVERED:
        delivery.delivered_at = now
    delivery.save(
        update_fields=["status", "attempts", "last_status_code", "last_error", "last_attempt_at", "delivered_at"]
    )


def _end_turn(subscription: WebhookSubscription, *, failed: bool) -> None:
    now = timezone.now()
    if failed:
        subscription.consecutive_failures += 1
        subscription.last_failure_at = now
        subscription.next_attempt_at = retry_time(subscription.consecutive_failures, now)
    else:
        subscription.consecutive_failures = 0
        subscription.last_success_at = now
        subscription.next_attempt_at = None
    subscription.save(
        update_fields=["consecutive_failures", "last_failure_at", "last_success_at", "next_attempt_at", "last_error"]
    )


def _audit_classified_delivery(subscription: WebhookSubscription, delivery: WebhookDelivery) -> None:
    """Every SECRET event that leaves the platform is written to the audit chain (security.md)."""
    with transaction.atomic():
        audit.record(
            actor="relay",
            action="event.webhook_delivered",
            object_type="event",
            object_id=str(delivery.event_id),
            classification=delivery.event.classification,
            data={"subscription": str(subscription.public_id), "host": urlsplit(subscription.url).netloc},
        )
