# SPDX-License-Identifier: MPL-2.0
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.classification.policy import NO_CONTEXT, Action, Context, visible_q
from civicloop.core.identifiers import random_code
from civicloop.core.models import classification_field


def new_reference_number() -> str:
    """A お問い合わせ number such as Q-7KQ4-M9XD."""
    return random_code("Q")


class RoutingModel(models.Model):
    """One trained version of the inquiry router, with the evaluation it was accepted on."""

    version = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    train_examples = models.PositiveIntegerField()
    corrections_used = models.PositiveIntegerField(default=0)
    cv_macro_f1 = models.FloatField(null=True, blank=True)
    cv_top3_accuracy = models.FloatField(null=True, blank=True)
    cv_top1_accuracy = models.FloatField(null=True, blank=True)
    cv_brier = models.FloatField(null=True, blank=True, help_text="multi-class Brier score, cross-validated")
    cv_ece = models.FloatField(null=True, blank=True, help_text="expected calibration error (10 bins), cross-validated")
    heldout_top1_accuracy = models.FloatField(null=True, blank=True)
    heldout_top3_accuracy = models.FloatField(null=True, blank=True)
    confusion = models.JSONField(
        default=dict,
        help_text="{labels: [...], matrix: [[...]], reliability: [...]} from cross-validation",
    )
    train_seconds = models.FloatField()
    artifact = models.BinaryField(
        help_text="The fitted scikit-learn pipeline (joblib), written only by train_routing_model."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"routing model v{self.version}"


class InquiryQuerySet(models.QuerySet["Inquiry"]):
    def visible_to(self, user: Any, context: Context = NO_CONTEXT, action: Action = Action.VIEW) -> "InquiryQuerySet":
        """Scoped by the one policy; an inquiry waiting for triage belongs to the triage department."""
        return self.annotate(
            owning_department=Coalesce("department__code", Value(settings.INQUIRY_TRIAGE_DEPARTMENT))
        ).filter(
            visible_q(
                user,
                owner_field="resident",
                department_field="owning_department",
                guest_field="guest_key",
                context=context,
                action=action,
            )
        )


class Inquiry(models.Model):
    """A resident's free-text お問い合わせ, routed to a department by the model or by triage."""

    class Status(models.TextChoices):
        TRIAGE = "triage", _("Waiting for a person to route it")
        ROUTED = "routed", _("With the department")
        ANSWERED = "answered", _("Answered")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal")
        COUNTER = "counter", _("Counter")
        PHONE = "phone", _("Phone")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference_number = models.CharField(max_length=20, unique=True)
    text = models.TextField()
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="inquiries"
    )
    guest_key = models.CharField(max_length=64, blank=True, db_index=True)
    contact_email = models.EmailField(blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attachment = models.FileField(upload_to="inquiries/", blank=True)
    attachment_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TRIAGE, db_index=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="inquiries"
    )
    suggested_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suggested_procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidence = models.FloatField(null=True, blank=True)
    top3 = models.JSONField(default=list)
    explanation = models.JSONField(
        default=list, help_text="The character n-grams that weighed most for the suggestion."
    )
    model = models.ForeignKey(RoutingModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="inquiries")
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # The case staff opened from this inquiry (actions.open_case_from_inquiry); the case reaches it
    # back as `case.inquiry` (cases sits below intelligence and never imports it).
    case = models.OneToOneField(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="inquiry")
    classification = classification_field()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InquiryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "inquiries"

    def __str__(self) -> str:
        return self.reference_number

    @property
    def owner_id(self) -> int | None:
        return self.resident_id

    @property
    def department_code(self) -> str:
        """The department that answers it; until routed, the one that triages (a setting)."""
        return self.department.code if self.department else str(settings.INQUIRY_TRIAGE_DEPARTMENT)


class RoutingCorrection(models.Model):
    """A person moved an inquiry to another department: who, why, and from where (used in training)."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="corrections")
    from_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at"]
