# SPDX-License-Identifier: MPL-2.0
"""Evaluation, award, contract and direct award.

Evaluators are named per tender and see only the tenders they evaluate. Each declares conflicts
of interest first; a conflicted (or undeclared) evaluator cannot score. A score sheet is one
evaluator's scores of one bid, a `Score` per non-price criterion with a reason; submitting the
sheet locks it. Moderation records the agreed score of a criterion where evaluators differ. The
ranking is computed from the weights (`ranking.py`). The award starts a standstill; the contract
follows it. Above `APPROVAL_THRESHOLD_YEN` an award or a direct award is decided (決裁) along the
専決規程 route (`civicloop/cases/approval.py`), one `ApprovalStep` per rank.
"""

import uuid
from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department, Position, User
from civicloop.core.models import classification_field
from civicloop.procurement.models.suppliers import Service, Supplier
from civicloop.procurement.models.tenders import Bid, Criterion, Tender

# Scores are 0–10 per criterion; the weighted total is Σ weight × score ÷ 10 (0–100).
MAX_SCORE = 10


class Evaluator(models.Model):
    """A member of staff named to evaluate a tender, with their conflict-of-interest declaration."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="evaluators")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="evaluations")
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    classification = classification_field()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tender", "user"], name="one_evaluator_per_tender")]

    def declaration(self) -> "ConflictDeclaration | None":
        return ConflictDeclaration.objects.filter(evaluator=self).first()

    def may_score(self) -> bool:
        """Declared, and declared no conflict."""
        declaration = self.declaration()
        return declaration is not None and not declaration.has_conflict


class ConflictDeclaration(models.Model):
    """利益相反の申告: made once per evaluator and tender, after the bidders are known (the opening)."""

    evaluator = models.OneToOneField(Evaluator, on_delete=models.CASCADE, related_name="conflict")
    has_conflict = models.BooleanField(_("I have a conflict of interest"))
    detail = models.TextField(_("Details"), blank=True)
    declared_at = models.DateTimeField()
    classification = classification_field()


class ScoreSheet(models.Model):
    """One evaluator's scores of one bid; locked once submitted."""

    evaluator = models.ForeignKey(Evaluator, on_delete=models.CASCADE, related_name="sheets")
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="sheets")
    submitted_at = models.DateTimeField(null=True, blank=True)
    classification = classification_field()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evaluator", "bid"], name="one_sheet_per_bid")]

    @property
    def is_locked(self) -> bool:
        return self.submitted_at is not None


class Score(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveSmallIntegerField(_("Score (0–10)"))
    reason = models.TextField(_("Reason"))
    classification = classification_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(condition=Q(points__lte=MAX_SCORE), name="score_at_most_max"),
        ]


class Moderation(models.Model):
    """The agreed score of one criterion for one bid, replacing the evaluators' mean, with why."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="moderations")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("Agreed score"), max_digits=4, decimal_places=2)
    reason = models.TextField(_("Reason"))
    moderated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    moderated_at = models.DateTimeField()
    classification = classification_field()

    class Meta:
        ordering = ["moderated_at"]


class ApprovalStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Below the threshold: no approval route")
    PENDING = "pending", _("Awaiting approval (決裁)")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class AwardStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
    STANDSTILL = "standstill", _("Standstill")
    CONFIRMED = "confirmed", _("Confirmed (contract signed)")
    CANCELLED = "cancelled", _("Cancelled")


class Award(models.Model):
    """落札決定: the winning bid, its value and the standstill before the contract."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="award")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="award")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="awards")
    value = models.PositiveBigIntegerField(_("Value (yen)"))
    # The ranking at the decision ([{bid, supplier, total, rank}]): the award's reasons, frozen.
    ranking = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=AwardStatus.choices)
    approval_status = models.CharField(max_length=16, choices=ApprovalStatus.choices)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    # Set when the award is notified (after approval, if any): the contract may be signed after it.
    standstill_ends_at = models.DateTimeField(null=True, blank=True)
    classification = classification_field()

    def is_in_standstill(self, now: datetime | None = None) -> bool:
        return self.standstill_ends_at is not None and (now or timezone.now()) < self.standstill_ends_at


class DirectAward(models.Model):
    """随意契約 from the catalogue: the purchase and the search that justified it, frozen."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="direct_awards")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="direct_awards")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="direct_awards")
    title = models.CharField(_("Title"), max_length=200)
    value = models.PositiveBigIntegerField(_("Value (yen)"))
    reason = models.TextField(_("Why this service"))
    # {"query": …, "facets": {…}, "at": iso time, "results": [{service, supplier, name, unit_price}]}
    search = models.JSONField()
    approval_status = models.CharField(max_length=16, choices=ApprovalStatus.choices)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    classification = classification_field()

    @property
    def department_code(self) -> str:
        return self.department.code

    @property
    def owner_id(self) -> int | None:
        return None

    @property
    def guest_key(self) -> str:
        return ""

    staff_editable = True


class ApprovalStep(models.Model):
    """One rank of the 専決規程 route of an award or a direct award, taken in order."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, null=True, blank=True, related_name="approvals")
    direct_award = models.ForeignKey(
        DirectAward, on_delete=models.CASCADE, null=True, blank=True, related_name="approvals"
    )
    order = models.PositiveSmallIntegerField()
    position = models.CharField(max_length=16)  # a Position code (accounts), the rank that decides
    rule_ja = models.CharField(max_length=200)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)
    comment = models.TextField(blank=True)
    classification = classification_field()

    class Meta:
        ordering = ["order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(award__isnull=False, direct_award__isnull=True)
                | Q(award__isnull=True, direct_award__isnull=False),
                name="approval_step_has_one_subject",
            )
        ]

    @property
    def position_label(self) -> str:
        """The rank's name (係長, 課長 …) in the active language."""
        return str(Position(self.position).label) if self.position in Position.values else self.position


class Contract(models.Model):
    """The contract signed after an award's standstill, or directly from the catalogue."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    award = models.OneToOneField(Award, on_delete=models.PROTECT, null=True, blank=True, related_name="contract")
    direct_award = models.OneToOneField(
        DirectAward, on_delete=models.PROTECT, null=True, blank=True, related_name="contract"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="contracts")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="contracts")
    title = models.CharField(_("Title"), max_length=200)
    value = models.PositiveBigIntegerField(_("Value (yen)"))
    starts_on = models.DateField(_("Starts on"))
    ends_on = models.DateField(_("Ends on"))
    signed_at = models.DateTimeField(_("Signed at"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    classification = classification_field()

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="contract_period"),
            models.CheckConstraint(
                condition=Q(award__isnull=False, direct_award__isnull=True)
                | Q(award__isnull=True, direct_award__isnull=False),
                name="contract_has_one_origin",
            ),
        ]
