# SPDX-License-Identifier: MPL-2.0
"""Council Q&A (議会答弁): a session (会期), its members' questions, and who answers each.

The council secretariat (議会事務局, department `gikai`) owns sessions and questions. Each
(question, department) pair is an `Assignment` whose answer is an authoring `Document` of kind
答弁書, owned by the assigned department. An assigned department sees the questions it answers
(need-to-know by assignment): the policy is asked about the question as that department's
(`AssignedView`), so clearance, device and handling rules apply unchanged.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department, User
from civicloop.authoring.models import Document
from civicloop.classification.policy import NO_CONTEXT, Action, Context, visible_q
from civicloop.core.models import classification_field

SECRETARIAT = "gikai"  # 議会事務局 (procedures/departments.yaml)


def _visible(user: Any, context: Context, action: Action, *paths: str) -> models.Q | None:
    """Staff only: the policy's filter with the owning department named by each path, OR-ed."""
    if not (isinstance(user, User) and user.is_authenticated and user.is_staff_member):
        return None
    q = models.Q(pk__in=[])
    for path in paths:
        q |= visible_q(
            user, owner_field="created_by", guest_field="name", department_id_field=path, context=context, action=action
        )
    return q


class SessionQuerySet(models.QuerySet["Session"]):
    def visible_to(self, user: Any, context: Context = NO_CONTEXT, action: Action = Action.VIEW) -> "SessionQuerySet":
        """The secretariat's sessions, and those where one of the person's departments answers a question."""
        q = _visible(user, context, action, "department_id", "questions__assignments__department_id")
        return self.none() if q is None else self.filter(pk__in=self.model.objects.filter(q).values("pk"))


class Session(models.Model):
    """A council session (定例会 / 臨時会), e.g. 令和8年第4回定例会."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("Session name"), max_length=100)
    opens_on = models.DateField(_("Opens on"))
    closes_on = models.DateField(_("Closes on"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="council_sessions")
    classification = classification_field()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on", "pk"]

    def __str__(self) -> str:
        return self.name

    staff_editable = True
    owner_id = None
    guest_key = ""

    @property
    def department_code(self) -> str:
        return self.department.code


class QuestionQuerySet(models.QuerySet["Question"]):
    def visible_to(self, user: Any, context: Context = NO_CONTEXT, action: Action = Action.VIEW) -> "QuestionQuerySet":
        """The secretariat's questions, and each question one of the person's departments answers."""
        q = _visible(user, context, action, "session__department_id", "assignments__department_id")
        return self.none() if q is None else self.filter(pk__in=self.model.objects.filter(q).values("pk"))


class Question(models.Model):
    """One member's question; `number` is its order in the session (質問順)."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("General question (一般質問)")
        REPRESENTATIVE = "representative", _("Representative question (代表質問)")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="questions")
    kind = models.CharField(_("Kind of question"), max_length=20, choices=Kind.choices)
    number = models.PositiveIntegerField(_("Question number"))
    member_name = models.CharField(_("Member"), max_length=100)
    subject = models.CharField(_("Subject"), max_length=200)
    text = models.TextField(_("Question text"))
    answer_due_at = models.DateTimeField(_("Answer deadline"))
    classification = classification_field()
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(default=timezone.now)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["session", "number"]
        constraints = [models.UniqueConstraint(fields=["session", "number"], name="council_question_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.subject}"

    staff_editable = True
    owner_id = None
    guest_key = ""

    @property
    def department_code(self) -> str:
        return self.session.department.code


class Assignment(models.Model):
    """A department asked to answer a question; its answer is one 答弁書 it owns."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="assignments")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="council_assignments")
    # Made by a member of the department when drafting starts (`actions.start_answer`): authoring
    # lets only the owning department create its documents, and the secretariat is not one of them.
    document = models.OneToOneField(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="council_assignment"
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    finalised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["question", "department__code"]
        constraints = [models.UniqueConstraint(fields=["question", "department"], name="council_assignment_once")]

    def __str__(self) -> str:
        return f"{self.question} → {self.department.code}"


@dataclass
class AssignedView:
    """A session or question as the policy sees it from a department that answers it.

    Same tier and public id; the assigned department stands as owner, and nobody edits it from here.
    """

    classification: str
    public_id: uuid.UUID
    department_code: str
    owner_id: int | None = None
    guest_key: str = ""
    staff_editable: bool = False
