# SPDX-License-Identifier: MPL-2.0
"""The device registry: staff devices, their last reported posture and what it makes them worth."""

import hashlib
import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import User
from civicloop.classification.policy import DeviceTrust
from civicloop.devices.compliance import Reason, Rules, check_in_reason

TOKEN_PREFIX = "cld_"  # noqa: S105 - a prefix that makes leaked tokens recognisable, not a secret


def hash_token(token: str) -> str:
    """SHA-256 of an enrolment token. Tokens carry 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


class DeviceQuerySet(models.QuerySet["Device"]):
    def active(self) -> "DeviceQuerySet":
        return self.filter(revoked_at__isnull=True)

    def owned_by(self, user: "User") -> "DeviceQuerySet":
        return self.filter(owner=user)

    def awaiting_approval(self) -> "DeviceQuerySet":
        return self.active().filter(approval=Device.Approval.PENDING)


class Device(models.Model):
    """A laptop, phone or tablet a member of staff works from, known by its agent's token."""

    class Kind(models.TextChoices):
        MANAGED = "managed", _("Managed by the municipality")
        BYOD = "byod", _("Personal device (BYOD)")

    class Platform(models.TextChoices):
        WINDOWS = "windows", "Windows"
        MACOS = "macos", "macOS"
        IOS = "ios", "iOS / iPadOS"
        ANDROID = "android", "Android"
        CHROMEOS = "chromeos", "ChromeOS"
        LINUX = "linux", "Linux"

    class Approval(models.TextChoices):
        """Whether someone other than the owner vouched for the device (docs/devices.md, "Approval")."""

        PENDING = "pending", _("Not approved yet")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class DecidedVia(models.TextChoices):
        STAFF = "staff", _("An approver on the staff pages")
        MDM = "mdm", _("The MDM integration")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100)
    platform = models.CharField(max_length=10, choices=Platform.choices)
    registered_at = models.DateTimeField(default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # SHA-256 of the enrolment token the agent presents as its Bearer credential; the token itself
    # is shown once, at registration, and never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_posture = models.JSONField(default=dict, blank=True)
    last_check_in_at = models.DateTimeField(null=True, blank=True)
    # The outcome of the posture rules at the last check-in (compliance.posture_reasons).
    compliant = models.BooleanField(default=False)
    reasons = models.JSONField(default=list, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # What the owner and the device's agent say is not enough: until an approver (an administrator
    # or the information-security officer, never the owner) or the MDM integration approves the
    # device, it is worth UNKNOWN whatever it reports (the finding of issue 10).
    approval = models.CharField(max_length=10, choices=Approval.choices, default=Approval.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_via = models.CharField(max_length=10, choices=DecidedVia.choices, blank=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["registered_at", "pk"]
        indexes = [models.Index(fields=["owner", "revoked_at"], name="device_owner_active")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_approved(self) -> bool:
        return self.approval == self.Approval.APPROVED

    def current_reasons(self, now: datetime | None = None, rules: Rules | None = None) -> list[str]:
        """The reasons stored at the last check-in plus the clock rule, as of `now`."""
        rules = rules or Rules.from_settings()
        late = check_in_reason(self.last_check_in_at, now=now or timezone.now(), rules=rules)
        stored = [r for r in self.reasons if r not in (Reason.NEVER_CHECKED_IN, Reason.CHECK_IN_OVERDUE)]
        return ([late.value] if late else []) + stored

    def trust(self, now: datetime | None = None, rules: Rules | None = None) -> DeviceTrust:
        """What this device is worth to the access policy right now (the table in docs/devices.md).

        Revoked, awaiting approval or rejected: UNKNOWN, whatever the agent reports. Approved:
        NONCOMPLIANT while a rule is broken, else the kind it was approved as.
        """
        if self.is_revoked or not self.is_approved:
            return DeviceTrust.UNKNOWN
        if not self.compliant or self.current_reasons(now, rules):
            return DeviceTrust.NONCOMPLIANT
        return DeviceTrust.MANAGED if self.kind == self.Kind.MANAGED else DeviceTrust.BYOD
