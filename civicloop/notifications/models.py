# SPDX-License-Identifier: MPL-2.0
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.classification.policy import NO_CONTEXT, Context, visible_q
from civicloop.core.models import classification_field


class Channel(models.TextChoices):
    """Where a message goes. `portal` is the resident's inbox on the site: it needs no address."""

    PORTAL = "portal", _("Notices on this site")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    LINE = "line", _("LINE")
    WEBHOOK = "webhook", _("Webhook")


class Language(models.TextChoices):
    JA = "ja", "日本語"
    EN = "en", "English"


class MessageQuerySet(models.QuerySet["Message"]):
    def inbox_of(self, user: Any, context: Context = NO_CONTEXT) -> "MessageQuerySet":
        """The portal notices addressed to `user` that the one policy also lets them read.

        `context` matters for staff (the device's posture caps the tier); guests have no inbox,
        so the guest rule of `visible_q` never applies (`guest_field` names a field only to
        satisfy its signature: messages have no guest key).
        """
        return self.filter(recipient=user, channel=Channel.PORTAL).filter(
            visible_q(
                user,
                owner_field="recipient",
                department_field="department_code",
                guest_field="recipient_ref",
                context=Context(device_trust=context.device_trust),
            )
        )

    def due(self, now: Any = None) -> "MessageQuerySet":
        """Messages the worker should (re)try now. A `sending` row is due again once its lease ran out."""
        return self.filter(
            status__in=[Message.Status.QUEUED, Message.Status.FAILED, Message.Status.SENDING],
            next_attempt_at__lte=now or timezone.now(),
        )


class Message(models.Model):
    """One notice to one recipient on one channel: the outbox row the worker delivers.

    Written in the transaction of the change it reports (`actions.notify`), so a notice exists
    if and only if the change committed. `subject` names the object it is about, as events do
    (`case/<uuid>`); `title` and `body` are what this channel carries, already rendered.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent out")
        FAILED = "failed", _("Failed, will retry")
        DEAD = "dead", _("Gave up")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    template_code = models.CharField(max_length=60)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.JA)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    # Email address, phone number, LINE user id or webhook URL; empty for the portal.
    address = models.CharField(max_length=400, blank=True)
    # Who, for de-duplication: "user/<public_id>" or the bare address of a guest.
    recipient_ref = models.CharField(max_length=400)
    dedupe_key = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    body = models.TextField()
    subject = models.CharField(max_length=200, blank=True, help_text="The object it is about, e.g. case/<uuid>.")
    department_code = models.CharField(max_length=40, blank=True)
    classification = classification_field()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    external_ref = models.CharField(max_length=200, blank=True, help_text="The gateway's id for the sent message.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "recipient_ref", "channel"], name="notification_message_dedupe"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
            models.Index(fields=["recipient", "channel", "created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.template_code} → {self.channel} ({self.status})"

    # What the access policy reads (classification.policy.Protected).
    @property
    def owner_id(self) -> int | None:
        return self.recipient_id

    @property
    def guest_key(self) -> str:
        return ""  # guests get notices by email only, never in the portal

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class ChannelPreference(models.Model):
    """Where a person wants notices besides the portal inbox. No row means: email, if they have an address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preference")
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.JA)
    email_enabled = models.BooleanField(default=True)
    sms_enabled = models.BooleanField(default=False)
    phone = models.CharField(max_length=20, blank=True, help_text="Mobile number for SMS, e.g. 090-1234-5678.")
    line_enabled = models.BooleanField(default=False)
    line_user_id = models.CharField(max_length=40, blank=True, help_text="LINE user id (U + 32 hex characters).")
    # Set by staff in the admin only (an organisation's system, a team's chat), never by a resident:
    # the server posts to this URL, so who may set it is a security decision.
    webhook_url = models.URLField(max_length=400, blank=True)
    webhook_secret = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"channels of {self.user}"
