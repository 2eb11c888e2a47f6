# SPDX-License-Identifier: MPL-2.0
"""The status board: each question a person may see, its state, who holds it and its deadline.

States: 未割当 (no department asked), 起案中 (an answer is being drafted), 審査中 (a version
awaits a reviewer, named), 確定 (every answer signed off). The least advanced answer sets the
question's state.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.authoring.models import Document, Review
from civicloop.council.models import Assignment, Question, QuestionQuerySet


class State(TextChoices):
    UNASSIGNED = "unassigned", _("Unassigned (未割当)")
    DRAFTING = "drafting", _("Drafting (起案中)")
    IN_REVIEW = "in_review", _("In review (審査中)")
    FINAL = "final", _("Final (確定)")


ORDER = [State.UNASSIGNED, State.DRAFTING, State.IN_REVIEW, State.FINAL]


@dataclass
class AnswerState:
    assignment: Assignment
    state: State
    holders: list[str] = field(default_factory=list)


@dataclass
class Row:
    question: Question
    state: State
    answers: list[AnswerState]
    is_overdue: bool

    @property
    def holders(self) -> list[str]:
        return [name for answer in self.answers for name in answer.holders]


def answer_state(assignment: Assignment) -> AnswerState:
    document = assignment.document
    if document is None or document.status == Document.Status.DRAFT:
        return AnswerState(assignment, State.DRAFTING)
    if document.is_signed_off:
        return AnswerState(assignment, State.FINAL)
    versions = list(document.versions.all())  # prefetched, newest first
    pending = (
        [r.reviewer.display_name for r in versions[0].reviews.all() if r.status == Review.Status.REQUESTED]
        if versions
        else []
    )
    return AnswerState(assignment, State.IN_REVIEW, pending)


def rows(questions: Sequence[Question], now: datetime | None = None) -> list[Row]:
    """The board's rows; pass questions with `with_board_facts` so each row costs no query."""
    now = now or timezone.now()
    board = []
    for question in questions:
        answers = [answer_state(a) for a in question.assignments.all()]
        state = min((a.state for a in answers), key=ORDER.index) if answers else State.UNASSIGNED
        board.append(Row(question, state, answers, now > question.answer_due_at and state != State.FINAL))
    return board


def with_board_facts(questions: QuestionQuerySet) -> QuestionQuerySet:
    """The questions with what the board reads (departments, documents, latest reviews) prefetched."""
    return questions.select_related("session").prefetch_related(
        "assignments__department", "assignments__document__versions__reviews__reviewer"
    )
