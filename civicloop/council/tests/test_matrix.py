# SPDX-License-Identifier: MPL-2.0
"""Every read path of sessions, questions and the answer book against the one policy and need-to-know.

Paths: the session list (`visible_to`), the status board, the question page, the answer book and
the admin's change pages. The secretariat sees everything; a department sees the session and the
questions it answers, never another's; an oversight role views (not the book: export is not view);
anyone else, nothing. An oracle written from those rules in words decides each row.
"""

from collections.abc import Callable
from datetime import datetime

import pytest
from django.test import Client

from civicloop.accounts.models import Department, Role, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring.tests.conftest import MANAGED
from civicloop.council import actions
from civicloop.council.models import Question, Session
from civicloop.council.tests.conftest import TOKYO

pytestmark = pytest.mark.django_db

ORACLE = {
    # who: (session list/board, question 1 (seiso's), question 2 (kosodate's), answer book)
    "gikai-clerk": (True, True, True, True),
    "seiso-clerk": (True, True, False, False),
    "kosodate-clerk": (True, False, True, False),
    "zeimu-clerk": (False, False, False, False),
    "auditor": (True, True, True, False),
}


def _paths(session: Session, first: Question, second: Question) -> dict[str, tuple[str, int]]:
    return {
        "board": (f"/staff/council/{session.public_id}/", 0),
        "session-admin": (f"/admin/council/session/{session.pk}/change/", 0),
        "question-1": (f"/staff/council/questions/{first.public_id}/", 1),
        "question-1-admin": (f"/admin/council/question/{first.pk}/change/", 1),
        "question-2": (f"/staff/council/questions/{second.public_id}/", 2),
        "book": (f"/staff/council/{session.public_id}/answer-book.pdf", 3),
    }


def test_every_read_path_agrees_with_the_rules(
    session: Session, ask: Callable[..., Question], secretary: User, make_staff: Callable[..., User]
) -> None:
    # given two questions, one answered by 清掃リサイクル課 and one by 子育て給付課
    first, second = ask(1, "粗大ごみ"), ask(2, "児童手当", due=datetime(2026, 12, 2, 12, 0, tzinfo=TOKYO))
    for question, code in ((first, "seiso"), (second, "kosodate_kyufu")):
        actions.assign_question(
            question=question, department=Department.objects.get(code=code), assigned_by=secretary, context=MANAGED
        )
    people = [
        secretary,
        make_staff("seiso", "seiso-clerk"),
        make_staff("kosodate_kyufu", "kosodate-clerk"),
        make_staff("zeimu", "zeimu-clerk"),
        make_staff("", "auditor", roles=[Role.AUDITOR]),
    ]
    User.objects.filter(pk__in=[p.pk for p in people]).update(is_staff=True, is_superuser=True)
    # when each reads each path, then the answer is the oracle's
    wrong = []
    for person in people:
        person.refresh_from_db()
        expected = ORACLE[person.username]
        client = sign_in_with_mfa(Client(), person)
        got = {"list": Session.objects.visible_to(person).filter(pk=session.pk).exists()}
        got["list-page"] = session.name in client.get("/staff/council/").content.decode()
        got["questions-1"] = Question.objects.visible_to(person).filter(pk=first.pk).exists()
        got["questions-2"] = Question.objects.visible_to(person).filter(pk=second.pk).exists()
        want = {"list": expected[0], "list-page": expected[0], "questions-1": expected[1], "questions-2": expected[2]}
        for name, (path, column) in _paths(session, first, second).items():
            got[name] = client.get(path).status_code == 200
            want[name] = expected[column]
        wrong += [(person.username, name, got[name]) for name in want if got[name] != want[name]]
    assert wrong == []


def test_a_department_sees_only_its_own_questions_on_the_board(
    session: Session, ask: Callable[..., Question], secretary: User, drafter: User
) -> None:
    first, second = ask(1, "粗大ごみ収集体制"), ask(2, "児童手当の支給日")
    actions.assign_question(
        question=first, department=Department.objects.get(code="seiso"), assigned_by=secretary, context=MANAGED
    )

    page = sign_in_with_mfa(Client(), drafter).get(f"/staff/council/{session.public_id}/").content.decode()

    assert first.subject in page and second.subject not in page
