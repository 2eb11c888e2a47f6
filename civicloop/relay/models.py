# SPDX-License-Identifier: MPL-2.0
"""The relay's state: one checkpoint per consumer, webhook subscriptions and their deliveries.

The events themselves stay in `core.Event` (the outbox); nothing here copies them.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import Classification, Event


class ConsumerCursor(models.Model):
    """How far one consumer (settings.EVENT_CONSUMERS) has got through the event log.

    A DB consumer's writes and this row's advance commit in one transaction, so a crash between
    the two cannot happen: an event is either applied and checkpointed, or neither.
    """

    name = models.CharField(max_length=100, primary_key=True)
    position = models.BigIntegerField(default=0, help_text="The last event position applied.")
    failures = models.PositiveIntegerField(default=0, help_text="Consecutive failed passes.")
    retry_at = models.DateTimeField(null=True, blank=True, help_text="No pass before this (backoff).")
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"

    def is_backing_off(self) -> bool:
        return self.retry_at is not None and self.retry_at > timezone.now()


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """An outside system that receives signed CloudEvents by HTTP POST (docs/relay.md)."""

    class Health(models.TextChoices):
        HEALTHY = "healthy", _("Healthy")
        RETRYING = "retrying", _("Retrying")
        INACTIVE = "inactive", _("Inactive")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    url = models.URLField(max_length=500)
    # Kept in clear: the HMAC needs it. Shown to administrators so they can give it to the receiver.
    secret = models.CharField(max_length=100, default=new_webhook_secret)
    event_types = models.JSONField(
        default=list,
        blank=True,
        help_text='Short types ("case.opened") or prefixes ("case.*"); empty means every type.',
    )
    max_classification = models.CharField(
        max_length=16,
        choices=[(Classification.OFFICIAL, "OFFICIAL"), (Classification.SECRET, "SECRET")],
        default=Classification.OFFICIAL,
        help_text="The highest classification sent. TOP SECRET never leaves; SECRET needs a security officer.",
    )
    # Department codes whose events are sent; empty: every department. Set when registered, from who
    # registered it (relay.actions.departments_for): only an administrator or security officer
    # registers a city-wide subscriber; anyone else's, an integration client's included, gets the
    # events of their own departments, as they would see them on the pages.
    departments = models.JSONField(default=list, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    from_position = models.BigIntegerField(default=0, editable=False, help_text="Events after this one are sent.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Per-subscriber status: the backoff applies to the subscriber, so a dead endpoint is tried
    # once per backoff step rather than once per pending delivery.
    next_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_failure_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def health(self) -> str:
        if not self.is_active:
            return self.Health.INACTIVE
        return self.Health.RETRYING if self.consecutive_failures else self.Health.HEALTHY

    def covers(self, department: str | None) -> bool:
        """True when the subscription may receive an event of this department (None: not known)."""
        return not self.departments or department in self.departments

    def wants(self, short_type: str) -> bool:
        """True when the type filters select this short event type."""
        if not self.event_types:
            return True
        for pattern in self.event_types:
            if pattern == "*" or pattern == short_type:
                return True
            if pattern.endswith(".*") and short_type.startswith(pattern[:-1]):
                return True
        return False


class WebhookDelivery(models.Model):
    """One event for one subscriber: its attempts and outcome. Unique per pair, so a redelivered
    event never makes a second delivery."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")  # gave up after RELAY_WEBHOOK_MAX_ATTEMPTS; an admin may retry
        WITHHELD = "withheld", _("Withheld")  # the subscription's ceiling fell below the event's tier

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+")
    position = models.BigIntegerField(help_text="The event's position: deliveries go out in this order.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["subscription", "position"]
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["subscription", "status", "position"], name="webhook_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.subscription} #{self.position} {self.status}"
