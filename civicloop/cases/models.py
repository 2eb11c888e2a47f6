# SPDX-License-Identifier: MPL-2.0
import uuid
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department
from civicloop.applications.models import Application
from civicloop.classification.policy import NO_CONTEXT, Context, visible_q
from civicloop.core.models import classification_field

DUE_SOON_DAYS = 3


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any, context: Context = NO_CONTEXT) -> "CaseQuerySet":
        """Scoped by the one policy (classification.policy), in SQL."""
        return self.filter(
            visible_q(
                user,
                owner_field="application__applicant",
                department_field="department__code",
                guest_field="application__guest_key",
                context=context,
            )
        )

    def open(self) -> "CaseQuerySet":
        return self.exclude(status=Case.Status.CLOSED)


class Case(models.Model):
    """The back-office side of one submitted application, in its department's inbox."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_REVIEW = "in_review", _("In review")
        CORRECTION = "correction", _("Waiting for the resident's correction")
        CLOSED = "closed", _("Closed")

    class Sla(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        DONE = "done", _("Done")
        PAUSED = "paused", _("Paused")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="case")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_cases"
    )
    decision_reason = models.TextField(
        blank=True, help_text="Shown to the resident; required for a refusal (行政手続法8条)."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField()
    due_date = models.DateField(db_index=True, help_text="The end of the standard processing period (標準処理期間).")
    classification = classification_field()

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "arrived_at"]
        indexes = [models.Index(fields=["department", "status", "due_date"], name="case_inbox_idx")]

    def __str__(self) -> str:
        return f"case {self.application.receipt_number}"

    # What the access policy reads (classification.policy.Protected).
    @property
    def owner_id(self) -> int | None:
        return self.application.applicant_id

    @property
    def department_code(self) -> str:
        return str(self.department.code)

    @property
    def guest_key(self) -> str:
        return self.application.guest_key

    def sla_state(self, today: date | None = None) -> str:
        if self.status == self.Status.CLOSED:
            return self.Sla.DONE
        if self.status == self.Status.CORRECTION:
            return self.Sla.PAUSED  # 補正: the clock stops while the request is with the resident
        today = today or timezone.localdate()
        if today > self.due_date:
            return self.Sla.OVERDUE
        if self.due_date - today <= timedelta(days=DUE_SOON_DAYS):
            return self.Sla.DUE_SOON
        return self.Sla.ON_TRACK


class CorrectionRequest(models.Model):
    """A 補正 request (行政手続法7条): which answers or documents to fix, and why.

    While it is open the standard processing period is paused; on resubmission the due date moves
    by the business days the request spent with the resident.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="corrections")
    fields = models.JSONField(help_text="Top-level answer names the resident may change.")
    attachments = models.JSONField(default=list, help_text="Attachment codes the resident may replace.")
    reason = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    paused_business_days = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at"]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
