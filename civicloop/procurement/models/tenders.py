# SPDX-License-Identifier: MPL-2.0
"""Tenders, their criteria, documents and public Q&A; sealed bids and the opening.

Sealed bids (`Bid.sealed`): a bid's content is encrypted, in the browser's request, to the tender's
opening key — an X25519 key pair made when the tender is published (`civicloop/procurement/sealing.py`).
Only the public half is readable; the private half is itself sealed with the platform's envelope
encryption (`civicloop/classification/crypto.py`, tier SECRET) and is unsealed by one function,
`actions.open_bids`, which refuses before the deadline and records the opening (`BidOpening`: who,
when). Until then no model field, admin page, export or database row holds the price or the
proposal in clear: `Bid.price` and `Bid.proposal` stay empty and are filled at the opening.
"""

import uuid
from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department, User
from civicloop.classification.fields import SealedValueField
from civicloop.core.language import is_english
from civicloop.core.models import classification_field
from civicloop.procurement.models.suppliers import Grade, Lot, Service, Supplier


class TenderStatus(models.TextChoices):
    """A tender's life. Bidding closes at `bid_deadline` without a status change: `is_open_for_bids`."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Open for bids")
    OPENED = "opened", _("Bids opened")
    EVALUATED = "evaluated", _("Evaluated")
    AWARDED = "awarded", _("Awarded (standstill)")
    CONTRACTED = "contracted", _("Contracted")
    CANCELLED = "cancelled", _("Cancelled")


class TenderStep(models.TextChoices):
    """The steps taken on a tender (one action each); `TENDER_STEPS` says in which statuses."""

    PUBLISH = "publish"
    OPEN = "open"
    ANSWER = "answer"
    ASSIGN = "assign"
    DECLARE = "declare"
    SCORE = "score"
    MODERATE = "moderate"
    COMPLETE = "complete"
    AWARD = "award"
    APPROVE = "approve"
    CONTRACT = "contract"
    CANCEL = "cancel"


# The statuses in which each step may be taken: the actions refuse outside them and the staff page
# offers only these. Deadlines, the approval route and the standstill are checked by the actions on
# top. Evaluators are named until the evaluation is complete (a replacement for one who declares a
# conflict is named after the opening); questions are answered until the bids are opened, when an
# answer can no longer change a bid; a contracted or cancelled tender takes no step at all.
TENDER_STEPS: dict[str, frozenset[str]] = {
    TenderStep.PUBLISH: frozenset({TenderStatus.DRAFT}),
    TenderStep.OPEN: frozenset({TenderStatus.PUBLISHED}),
    TenderStep.ANSWER: frozenset({TenderStatus.PUBLISHED}),
    TenderStep.ASSIGN: frozenset({TenderStatus.DRAFT, TenderStatus.PUBLISHED, TenderStatus.OPENED}),
    TenderStep.DECLARE: frozenset({TenderStatus.OPENED}),
    TenderStep.SCORE: frozenset({TenderStatus.OPENED}),
    TenderStep.MODERATE: frozenset({TenderStatus.OPENED}),
    TenderStep.COMPLETE: frozenset({TenderStatus.OPENED}),
    TenderStep.AWARD: frozenset({TenderStatus.EVALUATED}),
    TenderStep.APPROVE: frozenset({TenderStatus.AWARDED}),
    TenderStep.CONTRACT: frozenset({TenderStatus.AWARDED}),
    TenderStep.CANCEL: frozenset(
        {
            TenderStatus.DRAFT,
            TenderStatus.PUBLISHED,
            TenderStatus.OPENED,
            TenderStatus.EVALUATED,
            TenderStatus.AWARDED,
        }
    ),
}


class PriceApproach(models.TextChoices):
    """How price counts: 最低価格落札方式, 総合評価落札方式 (price is one weighted criterion), or a fixed price."""

    LOWEST_PRICE = "lowest_price", _("Lowest price")
    MOST_ADVANTAGEOUS = "most_advantageous", _("Most advantageous (price and quality)")
    FIXED_PRICE = "fixed_price", _("Fixed price (quality only)")


class TenderQuerySet(models.QuerySet["Tender"]):
    def published(self) -> "TenderQuerySet":
        """Visible to suppliers: published, never drafts or cancelled ones."""
        return self.exclude(status__in=[TenderStatus.DRAFT, TenderStatus.CANCELLED])

    def open_for_bids(self, now: datetime | None = None) -> "TenderQuerySet":
        return self.filter(status=TenderStatus.PUBLISHED, bid_deadline__gt=now or timezone.now())


class Tender(models.Model):
    """A department's requirement, published for bids in one or more lots."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("Tender number"), max_length=20, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="tenders")
    title = models.CharField(_("Title"), max_length=200)
    title_en = models.CharField(_("Title (English)"), max_length=200, blank=True)
    description = models.TextField(_("Requirement"))
    description_en = models.TextField(_("Requirement (English)"), blank=True)
    lots = models.JSONField(_("Lots"), default=list, help_text="Lot codes: a bid offers an approved service in one")
    minimum_grade = models.CharField(_("Minimum qualification grade"), max_length=1, choices=Grade.choices)
    price_approach = models.CharField(_("Price approach"), max_length=20, choices=PriceApproach.choices)
    # 予定価格 in yen, tax included. Staff-only until the award (it is never shown to bidders).
    estimate = models.PositiveBigIntegerField(_("Estimate (yen)"))
    # Deadlines are stored aware (UTC) and shown in Asia/Tokyo.
    questions_deadline = models.DateTimeField(_("Questions close"))
    bid_deadline = models.DateTimeField(_("Bids close"))
    # Days after the award notice before the contract may be signed (a standstill to allow challenge).
    standstill_days = models.PositiveSmallIntegerField(_("Standstill (days)"), default=10)
    status = models.CharField(max_length=12, choices=TenderStatus.choices, default=TenderStatus.DRAFT)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # 中止: why and when (actions.cancel_tender). The reason is public: the notice and OCDS carry it.
    cancel_reason = models.TextField(_("Reason for cancelling"), blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The opening key (sealing.py): the public half in clear, the private half sealed (crypto envelope).
    opening_public_key = models.CharField(max_length=64, blank=True, editable=False)
    opening_private_key = SealedValueField(null=True, blank=True, editable=False)
    classification = classification_field()

    objects = TenderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(questions_deadline__lte=models.F("bid_deadline")), name="tender_questions_before_bids"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def department_code(self) -> str:
        return self.department.code

    @property
    def owner_id(self) -> int | None:
        return None  # owned by its department, never by a person

    @property
    def guest_key(self) -> str:
        return ""

    staff_editable = True

    @property
    def display_title(self) -> str:
        """The title in the active language: the English one on English pages when there is one."""
        return self.title_en if self.title_en and is_english() else self.title

    @property
    def lot_labels(self) -> list[str]:
        """The lots' names in the active language, for pages."""
        return [str(Lot(code).label) for code in self.lots if code in Lot.values]

    def allows(self, step: str) -> bool:
        """Whether the tender's status allows `step` (`TENDER_STEPS`); the action checks the rest."""
        return self.status in TENDER_STEPS[step]

    @property
    def allowed_steps(self) -> dict[str, bool]:
        """Each step's name and whether the status allows it, for the staff page's buttons."""
        return {step: self.allows(step) for step in TenderStep.values}

    def is_open_for_bids(self, now: datetime | None = None) -> bool:
        """Bids may be submitted, withdrawn and resubmitted strictly before the deadline."""
        return self.status == TenderStatus.PUBLISHED and (now or timezone.now()) < self.bid_deadline

    def is_open_for_questions(self, now: datetime | None = None) -> bool:
        return self.status == TenderStatus.PUBLISHED and (now or timezone.now()) < self.questions_deadline

    def has_deadline_passed(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.bid_deadline


class Criterion(models.Model):
    """One weighted award criterion. A tender's weights sum to 100 (checked when it is published)."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("Criterion"), max_length=200)
    name_en = models.CharField(_("Criterion (English)"), max_length=200, blank=True)
    weight = models.PositiveSmallIntegerField(_("Weight"))
    # The price criterion is scored from the opened prices (lowest ÷ this bid's × 10), not by evaluators.
    is_price = models.BooleanField(_("Scored from the price"), default=False)
    order = models.PositiveSmallIntegerField(default=0)
    classification = classification_field()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language: the English one on English pages when there is one."""
        return self.name_en if self.name_en and is_english() else self.name


def tender_document_path(instance: "TenderDocument", filename: str) -> str:
    return f"procurement/tenders/{instance.tender.public_id}/{uuid.uuid4().hex}"


class TenderDocument(models.Model):
    """仕様書, 入札説明書 and the like, published with the tender."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("Title"), max_length=200)
    file = models.FileField(upload_to=tender_document_path)
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    classification = classification_field()


class Question(models.Model):
    """A bidder's question and the department's answer, published to every bidder without the asker."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("Question"))
    asked_at = models.DateTimeField()
    answer = models.TextField(_("Answer"), blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    classification = classification_field()

    class Meta:
        ordering = ["asked_at"]


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted (sealed)")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    OPENED = "opened", _("Opened")
    INELIGIBLE = "ineligible", _("Opened, not eligible")


class BidQuerySet(models.QuerySet["Bid"]):
    def of_supplier(self, supplier: Supplier) -> "BidQuerySet":
        return self.filter(supplier=supplier)

    def valid(self) -> "BidQuerySet":
        """The bids that were standing at the deadline and opened eligible."""
        return self.filter(status=BidStatus.OPENED)


class Bid(models.Model):
    """One supplier's sealed bid for a tender: resubmitting replaces the sealed content in place."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bids")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="bids")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bids")
    status = models.CharField(max_length=12, choices=BidStatus.choices, default=BidStatus.SUBMITTED)
    # The sealed content ({"price": yen, "proposal": text, "answers": {criterion id: text}}) as
    # sealing.seal_bid made it: ephemeral public key, nonce, ciphertext. Emptied on withdrawal.
    sealed = models.JSONField(null=True, blank=True, editable=False)
    # SHA-256 of the ciphertext, shown to the bidder as a receipt and to the opening as a check.
    digest = models.CharField(max_length=64, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Filled by the opening only (actions.open_bids): empty while the bid is sealed.
    price = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    proposal = models.TextField(blank=True, editable=False)
    answers = models.JSONField(default=dict, blank=True, editable=False)
    ineligible_reason = models.CharField(max_length=200, blank=True, editable=False)
    classification = classification_field()

    objects = BidQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at"]
        constraints = [models.UniqueConstraint(fields=["tender", "supplier"], name="one_bid_per_supplier")]

    @property
    def is_sealed(self) -> bool:
        return self.status in (BidStatus.SUBMITTED, BidStatus.WITHDRAWN)

    @property
    def department_code(self) -> str:
        return self.tender.department.code

    @property
    def owner_id(self) -> int | None:
        return None

    @property
    def guest_key(self) -> str:
        return ""


class BidOpening(models.Model):
    """The opening of a tender's bids (開札): who opened them, when, and what was in the box."""

    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="opening")
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    # Each standing bid's public id and digest at the deadline: the opening shows the box was untouched.
    bids = models.JSONField(default=list)
    witness = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    classification = classification_field()
