# SPDX-License-Identifier: MPL-2.0
import uuid
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department, Position
from civicloop.applications.models import Application
from civicloop.classification.fields import ClassifiedJSONField
from civicloop.classification.policy import NO_CONTEXT, Action, Context, visible_q
from civicloop.core.language import is_english
from civicloop.core.models import classification_field

DUE_SOON_DAYS = 3


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any, context: Context = NO_CONTEXT, action: Action = Action.VIEW) -> "CaseQuerySet":
        """Scoped by the one policy (classification.policy), in SQL."""
        return self.filter(
            visible_q(
                user,
                owner_field="application__applicant",
                department_id_field="department_id",
                guest_field="application__guest_key",
                context=context,
                action=action,
            )
        )

    def open(self) -> "CaseQuerySet":
        return self.exclude(status=Case.Status.CLOSED)

    # The processing-period states of `Case.sla_state`, as filters (the inbox and the reminders).
    # A paused case (補正) is neither due soon nor overdue: its clock is stopped.

    def running(self) -> "CaseQuerySet":
        """Open cases whose processing period is running (not paused for a 補正)."""
        return self.open().exclude(status=Case.Status.CORRECTION)

    def overdue(self, today: date) -> "CaseQuerySet":
        return self.running().filter(due_date__lt=today)

    def due_soon(self, today: date) -> "CaseQuerySet":
        return self.running().filter(due_date__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS))

    def overdue_or_due_soon(self, today: date) -> "CaseQuerySet":
        return self.running().filter(due_date__lte=today + timedelta(days=DUE_SOON_DAYS))

    def paused(self) -> "CaseQuerySet":
        return self.filter(status=Case.Status.CORRECTION)

    def in_sla_state(self, state: str, today: date) -> "CaseQuerySet":
        """The cases whose `sla_state(today)` is `state` (a `Case.Sla` value)."""
        if state == Case.Sla.DONE:
            return self.filter(status=Case.Status.CLOSED)
        if state == Case.Sla.PAUSED:
            return self.paused()
        if state == Case.Sla.OVERDUE:
            return self.overdue(today)
        if state == Case.Sla.DUE_SOON:
            return self.due_soon(today)
        if state == Case.Sla.ON_TRACK:
            return self.running().filter(due_date__gt=today + timedelta(days=DUE_SOON_DAYS))
        raise ValueError(f"unknown processing-period state {state!r}")


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
    # Indexed by case_inbox_idx, which starts with it.
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="cases", db_index=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        db_index=False,  # a partial index below: a new case has none
    )
    decision_reason = models.TextField(
        blank=True, help_text="Shown to the resident; required for a refusal (行政手続法8条)."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField()
    due_date = models.DateField(db_index=True, help_text="The end of the standard processing period (標準処理期間).")
    classification = classification_field()
    # The BPMN process (civicloop.cases.workflow): its name in the catalogue, the whole instance
    # (gzipped SpiffWorkflow JSON) and the user task it waits on, kept beside it for the inbox.
    workflow = models.CharField(max_length=200, blank=True)
    workflow_state = models.BinaryField(null=True, blank=True, editable=False)
    step = models.CharField(max_length=32, blank=True)
    step_started_at = models.DateTimeField(null=True, blank=True)
    # 起案: the decision the clerk drafts for the approval route (approve / reject / accept).
    proposed_outcome = models.CharField(max_length=16, blank=True)
    proposal_reason = models.TextField(blank=True)
    last_reminded_on = models.DateField(null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "arrived_at"]
        # Each index is one more write per submission: no LIKE copies (Django adds one to a
        # CharField with db_index=True), no department index of its own (case_inbox_idx leads with it).
        indexes = [
            models.Index(fields=["status"], name="case_status_idx"),
            models.Index(fields=["step"], name="case_step_idx"),
            models.Index(fields=["assignee"], name="case_assignee_idx", condition=models.Q(assignee__isnull=False)),
            models.Index(fields=["department", "status", "due_date"], name="case_inbox_idx"),
            # The default inbox (open cases of a department by due date) reads this in order and
            # stops after one page, instead of sorting every open case of the department.
            models.Index(
                fields=["department", "due_date", "id"],
                name="case_open_inbox_idx",
                condition=~models.Q(status="closed"),
            ),
            # The same for the inbox's other usual views: newest arrivals first, and one step of the
            # process. Open cases only (~1% of the table), so they stay small and cheap to keep.
            models.Index(
                fields=["department", "arrived_at", "id"],
                name="case_open_arrived_idx",
                condition=~models.Q(status="closed"),
            ),
            models.Index(
                fields=["department", "step", "due_date", "id"],
                name="case_open_step_idx",
                condition=~models.Q(status="closed"),
            ),
        ]

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

    def get_step_display(self) -> str:
        from civicloop.cases.workflow import TASKS

        labels = TASKS.get(self.step)
        if labels is None:
            return "—"
        return labels[1] if is_english() else labels[0]

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

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="corrections")
    fields = models.JSONField(help_text="Top-level answer names the resident may change.")
    attachments = models.JSONField(default=list, help_text="Attachment codes the resident may replace.")
    reason = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    paused_business_days = models.PositiveIntegerField(default=0)
    # The named answers as they were and as the resident sent them back, so the clerk sees what
    # changed. They are the resident's answers: sealed like the application's at SECRET and above,
    # carried along by a label change of the case (classification.family).
    answers_before = ClassifiedJSONField(default=dict)
    answers_after = ClassifiedJSONField(default=dict)
    classification = classification_field()

    class Meta:
        ordering = ["-requested_at"]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Immutable(models.Model):
    """A record that must not change once written, except the fields named in `mutable_fields`."""

    mutable_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and self._state.adding is False:
            fields = set(kwargs.get("update_fields") or ())
            if not fields or not fields <= set(self.mutable_fields):
                raise ImmutableRecord(f"{type(self).__name__} {self.pk} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRecord(f"{type(self).__name__} {self.pk} cannot be deleted")


class ImmutableRecord(Exception):
    pass


# How each step ended, for people, by step and then CaseTask.outcome. The same code says different
# things at different steps: "approve" is the clerk's draft at 審査 and the decision at 結果通知.
TASK_OUTCOMES: dict[str, dict[str, Any]] = {
    "intake": {"claimed": _("Claimed")},
    "inspection": {"inspected": _("Inspected")},
    "review": {
        "approve": _("Drafted: approve"),
        "reject": _("Drafted: refuse"),
        "accept": _("Drafted: accept"),
        "correction": _("Correction requested"),
    },
    "correction": {"resubmitted": _("Corrected by the resident")},
    "consultation": {"answered": _("Every department answered")},
    "approval": {"approved": _("Approved"), "returned": _("Returned for rework")},
    "fee": {"paid": _("Fee paid")},
    "notify": {
        "approve": _("Decided: approved"),
        "reject": _("Decided: refused"),
        "accept": _("Decided: the notification was accepted (受理)"),
    },
}
# An open step of a withdrawn application ends with it, whichever step it was.
ANY_STEP_OUTCOMES = {"withdrawn": _("Withdrawn")}


def task_outcome_label(task: str, outcome: str, default: str | None = None) -> str:
    """How the step `task` ended, in words; for an outcome no table names, `default` (else the code)."""
    label = TASK_OUTCOMES.get(task, {}).get(outcome) or ANY_STEP_OUTCOMES.get(outcome)
    if label is None:
        return outcome if default is None else default
    return str(label)


class CaseTask(models.Model):
    """One user task of the case's process, as it happened: who finished it, when, with what comment.

    Opened when the process starts waiting on the task, closed once; the row is the history behind
    "time per workflow step" and cannot be rewritten afterwards (save() refuses a second close).
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks", db_index=False)  # casetask_open_idx
    task_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=32)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    outcome = models.CharField(max_length=32, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        indexes = [
            models.Index(fields=["case", "completed_at"], name="casetask_open_idx"),
            models.Index(
                fields=["completed_by"],
                name="casetask_completed_by_idx",
                condition=models.Q(completed_by__isnull=False),
            ),
        ]

    @property
    def outcome_label(self) -> str:
        return task_outcome_label(self.name, self.outcome)

    @property
    def label_ja(self) -> str:
        from civicloop.cases.workflow import TASKS

        return TASKS.get(self.name, (self.name, self.name))[0]

    @property
    def label_en(self) -> str:
        from civicloop.cases.workflow import TASKS

        return TASKS.get(self.name, (self.name, self.name))[1]


class ApprovalStep(Immutable):
    """One rank of the 決裁 route (専決規程), in order. Acted on once; 後閲 may be added afterwards.

    代決 (`proxy`): taken by someone else because every holder of the rank was absent; the step then
    waits for 後閲, the absent approver's review after the fact.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for rework")
        CANCELLED = "cancelled", _("Cancelled")

    mutable_fields = (
        "status",
        "pending_since",
        "acted_by",
        "acted_at",
        "comment",
        "proxy",
        "post_reviewed_by",
        "post_reviewed_at",
        "post_review_comment",
    )

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="approval_steps")
    round = models.PositiveIntegerField(help_text="Each 起案 starts a new round; a returned round stays as history.")
    order = models.PositiveIntegerField()
    level = models.CharField(max_length=16, choices=Position.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField()
    pending_since = models.DateTimeField(null=True, blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acted_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    proxy = models.BooleanField(default=False, help_text="代決: decided in place of an absent approver.")
    post_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    post_reviewed_at = models.DateTimeField(null=True, blank=True)
    post_review_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["round", "order"]
        constraints = [models.UniqueConstraint(fields=["case", "round", "order"], name="approval_step_unique")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            previous = ApprovalStep.objects.filter(pk=self.pk).values_list("status", "post_reviewed_at").first()
            if previous and previous[0] in {self.Status.APPROVED, self.Status.RETURNED}:
                # A decided step is final; only its 後閲 may be added, once.
                fields = set(kwargs.get("update_fields") or ())
                post = {"post_reviewed_by", "post_reviewed_at", "post_review_comment"}
                if previous[1] is not None or not fields or not fields <= post:
                    raise ImmutableRecord(f"approval step {self.pk} was decided and cannot be changed")
        super().save(*args, **kwargs)

    @property
    def awaits_post_review(self) -> bool:
        return self.proxy and self.post_reviewed_at is None


class Consultation(models.Model):
    """合議: another department's opinion on the draft, asked in parallel before 決裁.

    It carries what the access policy reads (classification.policy.Protected) with the consulted
    department as its department, so the consulted staff see the case through the one policy.
    """

    class Opinion(models.TextChoices):
        AGREE = "agree", _("Agree")
        AGREE_WITH_COMMENTS = "comments", _("Agree with comments")
        DISAGREE = "disagree", _("Disagree")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consultations")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="consultations")
    question = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    opinion = models.CharField(max_length=16, choices=Opinion.choices, blank=True)
    comment = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]

    @property
    def classification(self) -> str:
        return str(self.case.classification)

    @property
    def owner_id(self) -> int | None:
        return None  # residents never see the internal consultation

    @property
    def department_code(self) -> str:
        return str(self.department.code)

    @property
    def guest_key(self) -> str:
        return ""


class CaseComment(Immutable):
    """An internal note on a case (never shown to the resident). Comments are not edited, only added."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField()
    classification = classification_field()

    class Meta:
        ordering = ["created_at", "pk"]
