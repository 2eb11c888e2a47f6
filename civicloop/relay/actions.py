# SPDX-License-Identifier: MPL-2.0
"""Writes on webhook subscriptions; the admin and any future API call these."""

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.core import audit, events
from civicloop.core.models import Classification
from civicloop.relay.models import WebhookDelivery, WebhookSubscription
from civicloop.relay.sequence import head_position

_TYPE_FILTER = re.compile(r"\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?")


class CeilingNotAllowed(Exception):
    """Only a security officer may let SECRET events leave; TOP SECRET never leaves."""


class BadSubscription(ValueError):
    """The URL or the type filters are not usable."""


def check_subscription(url: str, event_types: Sequence[str], max_classification: str, by: User) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadSubscription("the URL must be http:// or https://")
    for pattern in event_types:
        if not isinstance(pattern, str) or not _TYPE_FILTER.fullmatch(pattern):
            raise BadSubscription(f"bad event type filter {pattern!r}: use 'case.opened', 'case.*' or '*'")
    if max_classification == Classification.TOP_SECRET:
        raise CeilingNotAllowed("TOP SECRET events are never sent outside the platform")
    if max_classification == Classification.SECRET and not by.has_role(Role.SECURITY_OFFICER):
        raise CeilingNotAllowed("only a security officer may send SECRET events to a subscriber")


def departments_for(by: User) -> list[str]:
    """The departments a new subscriber's events come from: every one ([]) for the platform's
    administrators and security officers, otherwise `by`'s own (none: refused)."""
    if by.has_role(Role.ADMINISTRATOR) or by.has_role(Role.SECURITY_OFFICER):
        return []
    codes = sorted(by.departments.values_list("code", flat=True))
    if not codes:
        raise BadSubscription("a subscriber's events come from its registrant's departments, and there are none")
    return codes


def _record(event_type: str, subscription: WebhookSubscription, by: User, action: str) -> None:
    data: dict[str, Any] = {
        "subscription": str(subscription.public_id),
        "host": urlsplit(subscription.url).netloc,
        "event_types": list(subscription.event_types),
        "max_classification": subscription.max_classification,
        "active": subscription.is_active,
    }
    if subscription.departments:
        data["departments"] = list(subscription.departments)
    events.record(event_type, subject=f"webhook_subscription/{subscription.public_id}", data=data)
    audit.record(
        actor=by.username,
        action=action,
        object_type="webhook_subscription",
        object_id=str(subscription.public_id),
        classification=subscription.max_classification,
        data={**data, "url": subscription.url},
    )


def register_subscription(
    *,
    name: str,
    url: str,
    event_types: Sequence[str] = (),
    max_classification: str = Classification.OFFICIAL,
    by: User,
) -> WebhookSubscription:
    """Register a subscriber; it receives events committed from now on (not the history)."""
    check_subscription(url, event_types, max_classification, by)
    departments = departments_for(by)
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            name=name,
            url=url,
            event_types=list(event_types),
            max_classification=max_classification,
            departments=departments,
            from_position=head_position(),
            created_by=by,
        )
        _record("webhook_subscription.registered", subscription, by, "webhook_subscription.register")
    return subscription


def update_subscription(
    *,
    subscription: WebhookSubscription,
    name: str,
    url: str,
    event_types: Sequence[str],
    max_classification: str,
    is_active: bool,
    by: User,
) -> WebhookSubscription:
    """Change a subscriber's settings; pending deliveries above a lowered ceiling are withheld when due."""
    check_subscription(url, event_types, max_classification, by)
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        locked.name, locked.url, locked.is_active = name, url, is_active
        locked.event_types = list(event_types)
        locked.max_classification = max_classification
        locked.save(update_fields=["name", "url", "is_active", "event_types", "max_classification"])
        _record("webhook_subscription.changed", locked, by, "webhook_subscription.change")
    return locked


def rotate_secret(*, subscription: WebhookSubscription, by: User) -> WebhookSubscription:
    """Give the subscriber a new secret (the old one stops signing at once)."""
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        locked.secret = WebhookSubscription._meta.get_field("secret").get_default()
        locked.save(update_fields=["secret"])
        _record("webhook_subscription.changed", locked, by, "webhook_subscription.rotate_secret")
    return locked


def retry_failed_deliveries(*, subscription: WebhookSubscription, by: User) -> int:
    """Put the subscriber's failed deliveries back in the queue with fresh attempts; returns how many."""
    with transaction.atomic():
        count = WebhookDelivery.objects.filter(subscription=subscription, status=WebhookDelivery.Status.FAILED).update(
            status=WebhookDelivery.Status.PENDING, attempts=0
        )
        WebhookSubscription.objects.filter(pk=subscription.pk).update(next_attempt_at=timezone.now())
        audit.record(
            actor=by.username,
            action="webhook_subscription.retry_failed",
            object_type="webhook_subscription",
            object_id=str(subscription.public_id),
            data={"deliveries": count},
        )
    return count
