# SPDX-License-Identifier: MPL-2.0
"""A small cast for council Q&A: the secretariat's clerk, 清掃リサイクル課's drafter and chain, an outsider."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from civicloop.accounts.models import Department, Position, User
from civicloop.authoring import actions as authoring
from civicloop.authoring.tests.conftest import MANAGED, write
from civicloop.council import actions
from civicloop.council.models import Assignment, Question, Session
from civicloop.testing.factories import StaffFactory

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def make_staff(catalog: None) -> Callable[..., User]:
    def make(department: str, username: str, **fields: Any) -> User:
        return StaffFactory.create(department=department, username=username, full_name=username, **fields)

    return make


@pytest.fixture
def secretary(make_staff: Callable[..., User]) -> User:
    return make_staff("gikai", "gikai-clerk")


@pytest.fixture
def drafter(make_staff: Callable[..., User]) -> User:
    return make_staff("seiso", "seiso-clerk")


@pytest.fixture
def chain(make_staff: Callable[..., User]) -> dict[str, User]:
    """課長 and 部長 of 清掃リサイクル課, and the 副区長 (in 総務課)."""
    return {
        "kacho": make_staff("seiso", "seiso-kacho", position=Position.KACHO),
        "bucho": make_staff("seiso", "seiso-bucho", position=Position.BUCHO),
        "fuku_kucho": make_staff("somu", "fuku-kucho", position=Position.FUKU_KUCHO),
    }


@pytest.fixture
def outsider(make_staff: Callable[..., User]) -> User:
    return make_staff("kosodate_kyufu", "kosodate-clerk")


@pytest.fixture
def session(secretary: User) -> Session:
    return actions.register_session(
        name="令和8年第4回定例会",
        opens_on=date(2026, 11, 25),
        closes_on=date(2026, 12, 12),
        created_by=secretary,
        context=MANAGED,
    )


@pytest.fixture
def ask(session: Session, secretary: User) -> Callable[..., Question]:
    def make(number: int, subject: str, *, due: datetime | None = None, kind: str = "general") -> Question:
        return actions.register_question(
            session=session,
            kind=kind,
            number=number,
            member_name=f"議員 {number}",
            subject=subject,
            text=f"{subject}について区の見解を伺う。",
            answer_due_at=due or datetime(2026, 12, 1, 17, 0, tzinfo=TOKYO),
            registered_by=secretary,
            context=MANAGED,
        )

    return make


def draft_answer(question: Question, secretary: User, drafter: User, text: str) -> Assignment:
    """Assign the question to the drafter's 清掃リサイクル課, which drafts `text` and saves a version."""
    assignment = actions.assign_question(
        question=question, department=Department.objects.get(code="seiso"), assigned_by=secretary, context=MANAGED
    )
    document = actions.start_answer(assignment=assignment, drafter=drafter, context=MANAGED)
    write(document, drafter, text)
    authoring.create_version(document=document, created_by=drafter, context=MANAGED)
    assignment.refresh_from_db()
    return assignment


@pytest.fixture
def seiso_answer(ask: Callable[..., Question], secretary: User, drafter: User) -> Assignment:
    """Question 1, assigned to 清掃リサイクル課, drafted with one saved version."""
    return draft_answer(ask(1, "粗大ごみ収集体制"), secretary, drafter, "収集車を2台増やします。")


def approve_pending(assignment: Assignment) -> None:
    """The reviewer now asked approves the latest version."""
    assert assignment.document is not None
    version = assignment.document.versions.order_by("-number").first()
    assert version is not None
    for review in version.reviews.filter(status="requested"):
        authoring.decide_review(review=review, reviewer=review.reviewer, approve=True)


def finalise(assignment: Assignment, drafter: User) -> None:
    """Send the answer up the whole chain, each rank approving, and sign it off."""
    for _rank in range(3):
        actions.advance_answer(assignment=assignment, actor=drafter, context=MANAGED)
        approve_pending(assignment)
    assert actions.advance_answer(assignment=assignment, actor=drafter, context=MANAGED).finalised
