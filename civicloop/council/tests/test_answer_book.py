# SPDX-License-Identifier: MPL-2.0
"""The answer book: a PDF with a table of contents and the signed-off answers in question order."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring.tests.conftest import MANAGED, write
from civicloop.core.models import AuditEntry
from civicloop.council import actions
from civicloop.council.models import Assignment, Question, Session
from civicloop.council.tests.conftest import finalise
from civicloop.documents.tests.conftest import poppler

pytestmark = pytest.mark.django_db


def _text(pdf: bytes, tmp_path: Path) -> str:
    return poppler("pdftotext", pdf, tmp_path, "-layout")


def test_the_book_lists_every_question_in_order_with_final_answers_only(
    session: Session,
    ask: Callable[..., Question],
    seiso_answer: Assignment,
    secretary: User,
    drafter: User,
    chain: dict[str, User],
    tmp_path: Path,
) -> None:
    # given question 1 finalised, question 3 drafted but not final, question 2 not assigned
    finalise(seiso_answer, drafter)
    third = ask(3, "資源回収の日程")
    drafting = actions.assign_question(
        question=third, department=Department.objects.get(code="seiso"), assigned_by=secretary, context=MANAGED
    )
    draft = actions.start_answer(assignment=drafting, drafter=drafter, context=MANAGED)
    write(draft, drafter, "下書きの答弁：まだ誰も見ていない")
    ask(2, "保育園の待機児童")

    # when the secretariat compiles the book
    book = actions.compile_answer_book(session=session, compiled_by=secretary, context=MANAGED)

    # then the contents list all three in order, and the body has the final answer and 未確定 for the others
    text = _text(book.pdf, tmp_path)
    contents = text[text.index("目次") :]
    positions = [contents.index(f"第{n}問") for n in (1, 2, 3)]
    assert book.pdf.startswith(b"%PDF") and positions == sorted(positions)
    assert "収集車を2台増やします。" in text
    assert "下書きの答弁" not in text
    assert text.count("未確定") >= 4  # two contents lines and two answers
    assert "OFFICIAL（一般）" in text  # the classification marking
    entry = AuditEntry.objects.get(action="council.answer_book_compiled")
    assert entry.data == {"questions": "3", "finalised": "1"} and entry.object_id == str(session.public_id)


def test_only_the_secretariat_downloads_the_book(
    session: Session, seiso_answer: Assignment, secretary: User, drafter: User, outsider: User
) -> None:
    url = f"/staff/council/{session.public_id}/answer-book.pdf"

    answers = {
        person.username: sign_in_with_mfa(Client(), person).get(url).status_code
        for person in (secretary, drafter, outsider)
    }

    assert answers == {"gikai-clerk": 200, "seiso-clerk": 404, "kosodate-clerk": 404}
