# SPDX-License-Identifier: MPL-2.0
"""The council actions: sessions and questions by the secretariat, assignments, the review chain, finalising."""

from collections.abc import Callable
from datetime import date

import pytest

from civicloop.accounts.models import Department, User
from civicloop.authoring import actions as authoring
from civicloop.authoring.models import Document, Review
from civicloop.authoring.tests.conftest import MANAGED, write
from civicloop.classification.policy import NotPermitted
from civicloop.core.models import AuditEntry, Event
from civicloop.council import actions
from civicloop.council.errors import AwaitingReview, ChainIncomplete, ChangesRequested, DuplicateQuestionNumber
from civicloop.council.models import Assignment, Question, Session
from civicloop.council.tests.conftest import approve_pending, finalise

pytestmark = pytest.mark.django_db


def _audited(action: str) -> list[str]:
    return list(AuditEntry.objects.filter(action=action).values_list("object_id", flat=True))


def test_the_secretariat_registers_a_session_and_its_questions_with_audit_and_events(
    session: Session, ask: Callable[..., Question]
) -> None:
    question = ask(1, "粗大ごみ収集体制", kind="representative")

    assert session.department.code == "gikai" and session.classification == "OFFICIAL"
    assert (question.number, question.kind, question.classification) == (1, "representative", "OFFICIAL")
    assert _audited("council.session_registered") == [str(session.public_id)]
    assert _audited("council.question_registered") == [str(question.public_id)]
    assert Event.objects.filter(type__endswith="council.question_registered").count() == 1


def test_only_the_secretariat_registers_sessions(drafter: User) -> None:
    with pytest.raises(NotPermitted):
        actions.register_session(
            name="令和8年第4回定例会",
            opens_on=date(2026, 12, 1),
            closes_on=date(2026, 12, 12),
            created_by=drafter,
            context=MANAGED,
        )
    assert not Session.objects.exists()
    assert AuditEntry.objects.filter(action="access.work", data__allowed=False).exists()


def test_a_question_number_is_used_once_per_session(ask: Callable[..., Question]) -> None:
    ask(1, "粗大ごみ")
    with pytest.raises(DuplicateQuestionNumber):
        ask(1, "保育園")


def test_the_assigned_department_drafts_an_official_answer_which_the_secretariat_cannot(
    ask: Callable[..., Question], secretary: User, drafter: User
) -> None:
    # given a question assigned to 清掃リサイクル課
    question = ask(1, "粗大ごみ収集体制")
    assignment = actions.assign_question(
        question=question, department=Department.objects.get(code="seiso"), assigned_by=secretary, context=MANAGED
    )
    # when the secretariat tries to start the answer, then authoring refuses: only seiso works it
    with pytest.raises(NotPermitted):
        actions.start_answer(assignment=assignment, drafter=secretary, context=MANAGED)
    # when a clerk of seiso starts it, then it is an OFFICIAL 答弁書 of seiso, made once
    document = actions.start_answer(assignment=assignment, drafter=drafter, context=MANAGED)
    again = actions.start_answer(assignment=assignment, drafter=drafter, context=MANAGED)
    assert again == document
    assert (document.kind, document.classification, document.department.code) == (
        Document.Kind.ANSWER,
        "OFFICIAL",
        "seiso",
    )
    assert _audited("council.question_assigned") == [str(assignment.public_id)]
    assert _audited("authoring.created") == [str(document.public_id)]


def test_the_secretariat_alone_assigns(ask: Callable[..., Question], drafter: User) -> None:
    question = ask(1, "粗大ごみ")
    with pytest.raises(NotPermitted):
        actions.assign_question(
            question=question, department=Department.objects.get(code="seiso"), assigned_by=drafter, context=MANAGED
        )


def test_the_answer_goes_up_kacho_bucho_and_the_deputy_mayor_then_is_final(
    seiso_answer: Assignment, drafter: User, chain: dict[str, User]
) -> None:
    # given a saved version; when the drafter sends it up, each rank is asked in turn
    asked = []
    for _step in range(3):
        advance = actions.advance_answer(assignment=seiso_answer, actor=drafter, context=MANAGED)
        asked.append((advance.rank, advance.reviewer))
        with pytest.raises(AwaitingReview):
            actions.advance_answer(assignment=seiso_answer, actor=drafter, context=MANAGED)
        approve_pending(seiso_answer)
    # then, every rank having approved, the next step signs it off and finalises the answer
    final = actions.advance_answer(assignment=seiso_answer, actor=drafter, context=MANAGED)
    seiso_answer.refresh_from_db()
    assert asked == [(rank, chain[rank]) for rank in ("kacho", "bucho", "fuku_kucho")]
    assert final.finalised and seiso_answer.finalised_at is not None
    assert seiso_answer.document is not None and seiso_answer.document.is_signed_off
    assert _audited("council.answer_finalised") == [str(seiso_answer.public_id)]
    assert Event.objects.filter(type__endswith="council.answer_finalised").count() == 1


def test_a_sign_off_from_the_document_page_cannot_skip_a_rank(
    seiso_answer: Assignment, drafter: User, chain: dict[str, User]
) -> None:
    # given only the 課長 approved
    actions.advance_answer(assignment=seiso_answer, actor=drafter, context=MANAGED)
    approve_pending(seiso_answer)
    assert seiso_answer.document is not None
    version = seiso_answer.document.versions.get()
    # when the drafter signs off through authoring directly, then the council refuses and nothing changes
    with pytest.raises(ChainIncomplete):
        authoring.sign_off_version(version=version, signed_off_by=drafter, context=MANAGED)
    seiso_answer.document.refresh_from_db()
    assert not seiso_answer.document.is_signed_off


def test_changes_requested_stop_the_chain_until_a_new_version(
    seiso_answer: Assignment, drafter: User, chain: dict[str, User]
) -> None:
    actions.advance_answer(assignment=seiso_answer, actor=drafter, context=MANAGED)
    review = Review.objects.get(reviewer=chain["kacho"])
    authoring.decide_review(review=review, reviewer=chain["kacho"], approve=False, comment="数字を確認")
    with pytest.raises(ChangesRequested):
        actions.advance_answer(assignment=seiso_answer, actor=drafter, context=MANAGED)

    assert seiso_answer.document is not None
    write(seiso_answer.document, drafter, "（数字を確認しました）")
    authoring.create_version(document=seiso_answer.document, created_by=drafter, context=MANAGED)
    finalise(seiso_answer, drafter)

    seiso_answer.refresh_from_db()
    assert seiso_answer.finalised_at is not None
    assert seiso_answer.document.versions.get(signed_off_at__isnull=False).number == 2
