# SPDX-License-Identifier: MPL-2.0
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicloop.catalog.models import ProcedureVersion
from civicloop.classification.fields import ClassifiedJSONField, SealedValueField
from civicloop.classification.policy import NO_CONTEXT, Action, Context, visible_q
from civicloop.core.identifiers import random_code
from civicloop.core.models import classification_field


def new_receipt_number(year: int) -> str:
    """A 受付番号 such as 2026-7KQ4-M9XD."""
    return random_code(str(year))


class ApplicationQuerySet(models.QuerySet["Application"]):
    def visible_to(
        self, user: Any, context: Context = NO_CONTEXT, action: Action = Action.VIEW
    ) -> "ApplicationQuerySet":
        """Scoped by the one policy (classification.policy), in SQL."""
        return self.filter(
            visible_q(
                user,
                owner_field="applicant",
                department_field="procedure_version__procedure__department__code",
                guest_field="guest_key",
                context=context,
                action=action,
            )
        )

    def drafts(self) -> "ApplicationQuerySet":
        return self.filter(status=Application.Status.DRAFT)

    def submitted(self) -> "ApplicationQuerySet":
        return self.exclude(status=Application.Status.DRAFT)


# Channels that are online applications, whichever system took them: civicloop's own form, and the
# exports imported from マイナポータル ぴったりサービス and LoGoフォーム (civicloop.intake). The online
# rate counts these against the counter, phone and post (analytics dashboards and open data).
ONLINE_CHANNELS = frozenset({"online", "pittari", "logoform"})


def is_online_channel(channel: str) -> bool:
    return channel in ONLINE_CHANNELS


# A clerk enters these on the resident's behalf, through the same form (actions.start_assisted_application).
ASSISTED_CHANNELS = frozenset({"counter", "phone"})


class IdentityDocument(models.TextChoices):
    """What the clerk checked the resident's identity with (本人確認書類)."""

    MYNUMBER_CARD = "mynumber_card", _("My Number Card")
    DRIVING_LICENCE = "driving_licence", _("Driving licence")
    PASSPORT = "passport", _("Passport")
    RESIDENCE_CARD = "residence_card", _("Residence card")
    HEALTH_INSURANCE = "health_insurance", _("Health insurance card and a second document")
    PHONE_CALLBACK = "phone_callback", _("Phone: called back on the registered number")


CHANNEL_LABELS = {
    "online": _("Online (this site)"),
    "pittari": _("Mynaportal Pittari Service"),
    "logoform": _("LoGo Form"),
    "counter": _("Counter"),
    "phone": _("Phone"),
    "mail": _("Post"),
    "inquiry": _("From an inquiry"),
}


class Application(models.Model):
    """A resident's application (申請) or notification (届出), from first draft to its outcome."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Received")
        IN_REVIEW = "in_review", _("Under review")
        CORRECTION_REQUESTED = "correction_requested", _("Correction requested")
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting fee payment")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        COMPLETED = "completed", _("Completed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    receipt_number = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001 - NULL: a draft has none
    procedure_version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    # A guest's application is bound to a secret kept in their session (and in their tracking link).
    guest_key = models.CharField(max_length=64, blank=True)
    guest_email = models.EmailField(blank=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT)
    # Clear for OFFICIAL; sealed with the tier's key for SECRET and above (classification.fields).
    answers = ClassifiedJSONField(default=dict, sealed_keys=["my_number"])
    # 個人番号, moved out of the answers on submission; read only via classification.mynumber (logged).
    my_number_encrypted = SealedValueField(null=True, blank=True, editable=False)
    last_step = models.CharField(max_length=60, blank=True)
    submission_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 - NULL: no key given
    # SHA-256 of the canonical API request body sent with `submission_key` (actions.submission_digest):
    # a retry must send the same body; another body under the same key is refused, not lost.
    submission_digest = models.CharField(max_length=64, blank=True, default="")
    # How it reached the municipality: ONLINE_CHANNELS, or "counter", "phone", "mail", "inquiry".
    channel = models.CharField(max_length=20, default="online")
    # Entered by a clerk on the resident's behalf (ASSISTED_CHANNELS): who, and how they confirmed
    # the resident's identity (本人確認). Empty for the resident's own applications.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,  # a partial index below: most applications have none
    )
    identity_checked_with = models.CharField(max_length=20, choices=IdentityDocument.choices, blank=True)
    # ワンスオンリー: the submitted application whose answers started this one (its life event's
    # first procedure, catalog.followups). The bundle is that application and those following it.
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followers",
        editable=False,
        db_index=False,  # a partial index below: most applications follow none
    )
    classification = classification_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "submission_key"],
                condition=models.Q(submission_key__isnull=False),
                name="application_submission_key_unique",
            ),
            models.UniqueConstraint(fields=["receipt_number"], name="applications_application_receipt_number_key"),
        ]
        # Each index is one more write per submission, so: no LIKE copies (Django adds one to a
        # CharField's unique=True or db_index=True), and columns that are mostly empty are
        # indexed only where they hold something (an equality lookup implies the condition).
        indexes = [
            models.Index(fields=["status"], name="application_status_idx"),
            models.Index(fields=["guest_key"], name="application_guest_key_idx", condition=~models.Q(guest_key="")),
            models.Index(fields=["follows"], name="application_follows_idx", condition=models.Q(follows__isnull=False)),
            models.Index(
                fields=["entered_by"], name="application_entered_by_idx", condition=models.Q(entered_by__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_number or f"draft {self.public_id}"

    @property
    def channel_label(self) -> str:
        return str(CHANNEL_LABELS.get(self.channel, self.channel))

    @property
    def staff_editable(self) -> bool:
        """The policy lets the owning department's staff edit a draft a clerk entered for a resident,
        and nothing else: a resident's own answers are never staff-editable (classification.policy)."""
        return self.is_draft and self.channel in ASSISTED_CHANNELS and self.entered_by_id is not None

    # The attributes the access policy reads (classification.policy.Protected).
    @property
    def owner_id(self) -> int | None:
        return self.applicant_id

    @property
    def department_code(self) -> str:
        return str(self.procedure_version.procedure.department.code)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @staticmethod
    def new_guest_key() -> str:
        return secrets.token_urlsafe(32)


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name never uses the resident's file name: it could carry personal data or a path.
    return f"attachments/{instance.application.public_id}/{instance.public_id}"


class Attachment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=60, help_text="The attachment code in the procedure file.")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, help_text="Detected from the content, not the name.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    classification = classification_field()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Set when a 補正 replaced this file; kept (never deleted) so the record shows what was sent.
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "uploaded_at"]

    @property
    def owner_id(self) -> int | None:
        return self.application.applicant_id

    @property
    def department_code(self) -> str:
        return self.application.department_code

    @property
    def guest_key(self) -> str:
        return self.application.guest_key


class StatusChange(models.Model):
    """One line of an application's history, as the resident sees it (行政手続法9条: progress)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=24, choices=Application.Status.choices)
    note_ja = models.CharField(max_length=500, blank=True)
    note_en = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
