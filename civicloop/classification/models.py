# SPDX-License-Identifier: MPL-2.0
"""Need-to-know grants and classification-change requests, each about any classified object.

Objects are named by content type + public id (UUID): every classified model has a public id, and
UUIDs are unique across tables, so the policy can match grants in SQL without knowing the model.
"""

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import Classification, tier_rank


class NeedToKnowGrantQuerySet(models.QuerySet["NeedToKnowGrant"]):
    def active(self, now: "datetime.datetime | None" = None) -> "NeedToKnowGrantQuerySet":
        """Grants neither revoked nor expired at `now` (this moment when not given)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class NeedToKnowGrant(models.Model):
    """A named person's access to one object (TOP SECRET is open to named people only).

    Outside TOP SECRET a grant also lets someone outside the owning department see the object;
    the person's clearance, device and the tier's handling rules still apply.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_public_id = models.UUIDField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="need_to_know_grants")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = NeedToKnowGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "object_public_id"], name="ntk_user_object_idx")]

    def __str__(self) -> str:
        return f"{self.user} → {self.content_type.model}/{self.object_public_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ClassificationRequest(models.Model):
    """A request to change an object's tier, with its justification and its own history.

    Raising to SECRET or TOP SECRET needs the information-security officer's approval; a
    provisional raise takes effect at once and waits for that approval (a rejection restores the
    previous tiers). Lowering needs the owner (the owning department's 課長 or higher).
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PROVISIONAL = "provisional", _("Provisionally applied")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_public_id = models.UUIDField(db_index=True)
    department_code = models.CharField(max_length=40, db_index=True, help_text="The object's owning department.")
    from_tier = models.CharField(max_length=16, choices=Classification.choices)
    to_tier = models.CharField(max_length=16, choices=Classification.choices)
    justification = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # What applying changed: [{"model": "cases.case", "pk": 1, "from": "OFFICIAL", "to": "SECRET"}, …],
    # so that rejecting a provisional raise restores exactly the previous tiers.
    applied_changes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.content_type.model}/{self.object_public_id}: {self.from_tier} → {self.to_tier}"

    @property
    def is_raise(self) -> bool:
        return tier_rank(self.to_tier) > tier_rank(self.from_tier)

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.REQUESTED, self.Status.PROVISIONAL}

    @property
    def object_label(self) -> str:
        return f"{self.content_type.app_label}.{self.content_type.model}"

    def target(self) -> Any:
        """The object the request is about (raises DoesNotExist when it is gone)."""
        model = self.content_type.model_class()
        assert model is not None
        return model._default_manager.get(public_id=self.object_public_id)


class ClassificationRequestHistory(models.Model):
    """One step of a request's life: requested, provisionally applied, approved, rejected."""

    request = models.ForeignKey(ClassificationRequest, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=16, choices=ClassificationRequest.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "classification request history"
