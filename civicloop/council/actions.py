# SPDX-License-Identifier: MPL-2.0
"""Every write of council Q&A: sessions, questions, assignments, the answer's way up the chain, the book.

The secretariat (議会事務局) registers and assigns: each checks WORK on the session or question,
which only its members have. An assigned department drafts, versions and finalises its 答弁書
through the authoring actions, which check WORK on the document (owned by that department). The
review chain is the 専決規程 route of `council-answer` (procedures/_shared/approval_rules.yaml:
課長 → 部長 → 副区長); each rank's holder is asked in turn through authoring's review, rather
than through the BPMN engine, which runs cases, not documents. Row locks: the Session, then the
Question, then the Assignment, then (inside authoring) the Document.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db import transaction

from civicloop.accounts.models import POSITION_RANK, Department, Position, User
from civicloop.authoring import actions as authoring
from civicloop.authoring.models import Document, Review, Version
from civicloop.cases.approval import route_for
from civicloop.classification.marking import highest
from civicloop.classification.policy import Action, Context, actor_label, authorise, records_refusals
from civicloop.core import audit, events
from civicloop.council.errors import (
    AlreadyAssigned,
    AlreadyFinalised,
    AwaitingReview,
    ChainIncomplete,
    ChangesRequested,
    DuplicateQuestionNumber,
    NoPositionHolder,
    NoVersion,
)
from civicloop.council.models import SECRETARIAT, AssignedView, Assignment, Question, Session

if TYPE_CHECKING:
    from civicloop.council.book import AnswerBook

ROUTE_CODE = "council-answer"  # the 専決規程 rule that names the review chain of a 答弁書


def _record(
    actor: User, action: str, obj: Session | Question | Assignment, classification: str, **data: object
) -> None:
    facts = {key: str(value) for key, value in data.items()}
    audit.record(
        actor=actor_label(actor),
        action=f"council.{action}",
        object_type=f"council.{type(obj).__name__.lower()}",
        object_id=str(obj.public_id),
        data=facts,
        classification=classification,
    )
    events.record(
        f"council.{action}",
        subject=f"council_{type(obj).__name__.lower()}/{obj.public_id}",
        data={"id": str(obj.public_id), **facts},
        classification=classification,
    )


@records_refusals
def register_session(
    *, name: str, opens_on: date, closes_on: date, created_by: User, context: Context, classification: str = "OFFICIAL"
) -> Session:
    """A new session owned by the secretariat; only its members may register one."""
    session = Session(
        name=name.strip(),
        opens_on=opens_on,
        closes_on=closes_on,
        department=Department.objects.get(code=SECRETARIAT),
        classification=classification,
        created_by=created_by,
    )
    with transaction.atomic():
        authorise(created_by, Action.WORK, session, context)
        session.save()
        _record(created_by, "session_registered", session, classification, opens_on=opens_on)
    return session


@records_refusals
def register_question(
    *,
    session: Session,
    kind: str,
    number: int,
    member_name: str,
    subject: str,
    text: str,
    answer_due_at: datetime,
    registered_by: User,
    context: Context,
) -> Question:
    """A member's question (一般質問 / 代表質問) in the session, numbered in speaking order."""
    with transaction.atomic():
        locked = Session.objects.select_for_update(of=("self",)).select_related("department").get(pk=session.pk)
        authorise(registered_by, Action.WORK, locked, context)
        if locked.questions.filter(number=number).exists():
            raise DuplicateQuestionNumber
        question = Question.objects.create(
            session=locked,
            kind=kind,
            number=number,
            member_name=member_name.strip(),
            subject=subject.strip(),
            text=text.strip(),
            answer_due_at=answer_due_at,
            classification=locked.classification,
            registered_by=registered_by,
        )
        _record(registered_by, "question_registered", question, question.classification, number=number, kind=kind)
    return question


@records_refusals
def assign_question(*, question: Question, department: Department, assigned_by: User, context: Context) -> Assignment:
    """Ask `department` to answer the question; its members then draft the 答弁書 (`start_answer`)."""
    with transaction.atomic():
        locked = (
            Question.objects.select_for_update(of=("self",)).select_related("session__department").get(pk=question.pk)
        )
        authorise(assigned_by, Action.WORK, locked, context)
        if locked.assignments.filter(department=department).exists():
            raise AlreadyAssigned
        assignment = Assignment.objects.create(question=locked, department=department, assigned_by=assigned_by)
        _record(assigned_by, "question_assigned", assignment, locked.classification, department=department.code)
    return assignment


@records_refusals
def start_answer(*, assignment: Assignment, drafter: User, context: Context) -> Document:
    """The assigned department's 答弁書, made through authoring by one of its members (once)."""
    with transaction.atomic():
        locked = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("question__session", "department")
            .get(pk=assignment.pk)
        )
        if locked.document_id:
            return locked.document  # type: ignore[return-value]
        question = locked.question
        document = authoring.create_document(
            title=f"{question.session.name} {question.get_kind_display()} 第{question.number}問 答弁書"
            f"（{locked.department.name_ja}）{question.subject}"[:200],
            kind=Document.Kind.ANSWER,
            classification=question.classification,
            department=locked.department,
            created_by=drafter,
            context=context,
        )
        locked.document = document
        locked.save(update_fields=["document"])
    return document


def holder_of(rank: str, department: Department) -> User:
    """Who holds `rank` for the department: its own 課長/部長; ward-wide for 副区長 (else 区長)."""
    staff = User.objects.filter(kind=User.Kind.STAFF, is_active=True).order_by("pk")
    if POSITION_RANK[rank] <= POSITION_RANK[Position.BUCHO]:
        person = staff.filter(position=rank, departments=department).first()
    else:
        person = staff.filter(position=rank).first() or staff.filter(position=Position.KUCHO).first()
    if person is None:
        raise NoPositionHolder(rank)
    return person


def review_chain(department: Department) -> list[tuple[str, User]]:
    """The ranks that review a 答弁書, lowest first, with who holds each."""
    return [(rank, holder_of(rank, department)) for rank in route_for(ROUTE_CODE, "application", {}).levels]


@dataclass(frozen=True)
class Advance:
    """What `advance_answer` did: asked the next rank (`reviewer`) or finalised the answer."""

    reviewer: User | None
    rank: str
    finalised: bool


def _holds(person: User, rank: str, department: Department) -> bool:
    if POSITION_RANK[rank] <= POSITION_RANK[Position.BUCHO]:
        return person.position == rank and person.departments.filter(pk=department.pk).exists()
    return person.position in (rank, Position.KUCHO)


def missing_ranks(version: Version, department: Department) -> list[str]:
    """The ranks of the chain without an approval of `version` by someone holding them (empty: complete)."""
    approvers = [r.reviewer for r in version.reviews.select_related("reviewer") if r.status == Review.Status.APPROVED]
    ranks = route_for(ROUTE_CODE, "application", {}).levels
    return [rank for rank in ranks if not any(_holds(person, rank, department) for person in approvers)]


@records_refusals
def advance_answer(*, assignment: Assignment, actor: User, context: Context) -> Advance:
    """Send the latest version to the next rank of the chain, or sign it off once every rank approved.

    The sign-off itself finalises the answer (`subscribers.finalise_answer`), whichever page it came from.
    """
    with transaction.atomic():
        locked = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("department", "document")
            .get(pk=assignment.pk)
        )
        document = locked.document
        if document is None or not document.versions.exists():
            raise NoVersion
        if document.is_signed_off:
            raise AlreadyFinalised
        version: Version = document.versions.order_by("-number").first()  # type: ignore[assignment]
        reviews = list(version.reviews.select_related("reviewer"))
        if any(review.status == Review.Status.CHANGES_REQUESTED for review in reviews):
            raise ChangesRequested
        waiting = [review.reviewer.display_name for review in reviews if review.status == Review.Status.REQUESTED]
        if waiting:
            raise AwaitingReview(", ".join(waiting))
        missing = missing_ranks(version, locked.department)
        if missing:
            person = holder_of(missing[0], locked.department)
            authoring.request_review(version=version, reviewers=[person], requested_by=actor, context=context)
            return Advance(reviewer=person, rank=missing[0], finalised=False)
        authoring.sign_off_version(version=version, signed_off_by=actor, context=context)
    return Advance(reviewer=None, rank="", finalised=True)


def finalise_answer(*, document: Document) -> Assignment | None:
    """Record that a 答弁書 was signed off: refused (raising) unless every rank of the chain approved it.

    Called by `subscribers` inside authoring's sign-off transaction, so a sign-off from the
    document's own page cannot skip a rank.
    """
    assignment = Assignment.objects.select_related("department").filter(document=document).first()
    if assignment is None:
        return None
    version: Version = document.versions.filter(signed_off_at__isnull=False).order_by("-number").first()  # type: ignore[assignment]
    if missing_ranks(version, assignment.department):
        raise ChainIncomplete(missing_ranks(version, assignment.department))
    assignment.finalised_at = version.signed_off_at
    assignment.save(update_fields=["finalised_at"])
    actor: User = version.signed_off_by  # type: ignore[assignment]
    _record(
        actor, "answer_finalised", assignment, document.classification, version=version.number, sha256=version.sha256
    )
    return assignment


@records_refusals
def compile_answer_book(*, session: Session, compiled_by: User, context: Context) -> "AnswerBook":
    """The session's answer book as a PDF: the secretariat exports it, at the tier of what it holds."""
    # Imported here: it loads WeasyPrint (half a second), which only a process compiling a book needs.
    from civicloop.council import book

    with transaction.atomic():
        authorise(compiled_by, Action.EXPORT, session, context)
        entries = book.entries(session)
        tier = highest([session.classification, *(entry.classification for entry in entries)])
        authorise(compiled_by, Action.EXPORT, AssignedView(tier, session.public_id, session.department_code), context)
        answer_book = book.render(session, entries, tier=tier, viewer=compiled_by)
        finalised = sum(1 for entry in entries if entry.is_final)
        _record(compiled_by, "answer_book_compiled", session, tier, questions=len(entries), finalised=finalised)
    return answer_book
