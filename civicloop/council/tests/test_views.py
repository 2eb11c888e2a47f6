# SPDX-License-Identifier: MPL-2.0
"""The council pages: the status board's states, holders and overdue rows; registering; Japanese first."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring.tests.conftest import MANAGED
from civicloop.council import actions
from civicloop.council.models import Assignment, Question, Session
from civicloop.council.tests.conftest import TOKYO, draft_answer, finalise

pytestmark = pytest.mark.django_db


def _row(page: str, subject: str) -> str:
    start = page.rindex("<tr", 0, page.index(subject))
    return page[start : page.index("</tr>", start)]


def test_the_board_shows_each_state_who_holds_it_and_overdue_questions(
    session: Session,
    ask: Callable[..., Question],
    seiso_answer: Assignment,
    secretary: User,
    drafter: User,
    chain: dict[str, User],
) -> None:
    # given: 1 in review with the 課長, 2 final, 3 drafting and overdue, 4 unassigned
    actions.advance_answer(assignment=seiso_answer, actor=drafter, context=MANAGED)
    finalise(draft_answer(ask(2, "資源回収の日程"), secretary, drafter, "週二回に増やします。"), drafter)
    third = ask(3, "ごみ屋敷対策", due=timezone.now() - timedelta(hours=1))
    actions.assign_question(
        question=third, department=Department.objects.get(code="seiso"), assigned_by=secretary, context=MANAGED
    )
    ask(4, "公園のトイレ")

    # when the secretariat opens the board (Japanese by default)
    page = sign_in_with_mfa(Client(), secretary).get(f"/staff/council/{session.public_id}/").content.decode()

    # then
    assert "審査中" in _row(page, "粗大ごみ収集体制") and "seiso-kacho" in _row(page, "粗大ごみ収集体制")
    assert "確定" in _row(page, "資源回収の日程") and "is-overdue" not in _row(page, "資源回収の日程")
    assert "起案中" in _row(page, "ごみ屋敷対策") and "is-overdue" in _row(page, "ごみ屋敷対策")
    assert "期限超過" in _row(page, "ごみ屋敷対策")
    assert "未割当" in _row(page, "公園のトイレ")


def test_the_secretariat_registers_a_question_with_a_deadline_in_tokyo_time(session: Session, secretary: User) -> None:
    client = sign_in_with_mfa(Client(), secretary)

    response = client.post(
        f"/staff/council/{session.public_id}/",
        {
            "kind": "general",
            "number": "5",
            "member_name": "代々木 太郎",
            "subject": "防災備蓄",
            "text": "備蓄の状況を伺う。",
            "answer_due_at": "2026-12-01T17:00",
        },
    )

    question = Question.objects.get(session=session, number=5)
    assert response.status_code == 302
    assert question.answer_due_at == datetime(2026, 12, 1, 17, 0, tzinfo=TOKYO)


def test_the_pages_are_japanese_first_and_english_when_chosen(session: Session, secretary: User) -> None:
    client = sign_in_with_mfa(Client(), secretary)

    japanese = client.get("/staff/council/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/staff/council/").content.decode()

    assert "議会答弁" in japanese and "会議を登録する" in japanese
    assert "Council Q&A" in english and "Register a session" in english


def test_a_department_member_starts_the_answer_from_the_question_page(
    ask: Callable[..., Question], secretary: User, drafter: User
) -> None:
    question = ask(1, "粗大ごみ")
    assignment = actions.assign_question(
        question=question, department=Department.objects.get(code="seiso"), assigned_by=secretary, context=MANAGED
    )

    response = sign_in_with_mfa(Client(), drafter).post(f"/staff/council/answers/{assignment.public_id}/start/")

    assignment.refresh_from_db()
    assert assignment.document is not None
    assert response["Location"] == f"/staff/documents/{assignment.document.public_id}/"


def test_the_boards_queries_do_not_grow_with_its_questions(
    session: Session,
    ask: Callable[..., Question],
    secretary: User,
    drafter: User,
    django_assert_max_num_queries: Any,
) -> None:
    client = sign_in_with_mfa(Client(), secretary)
    draft_answer(ask(1, "粗大ごみ"), secretary, drafter, "一")
    client.get(f"/staff/council/{session.public_id}/")  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        client.get(f"/staff/council/{session.public_id}/")
    for number in range(2, 8):
        draft_answer(ask(number, f"件名{number}"), secretary, drafter, "二")

    with django_assert_max_num_queries(len(one)):
        page = client.get(f"/staff/council/{session.public_id}/")

    assert page.content.decode().count("council-state--drafting") == 7
