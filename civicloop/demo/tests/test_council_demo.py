# SPDX-License-Identifier: MPL-2.0
"""The demo's council session: three questions, one in each state the board shows, one answer final."""

import pytest

from civicloop.council import board
from civicloop.council.models import Question, Session
from civicloop.demo.seed import seed

pytestmark = pytest.mark.django_db


def test_the_demo_session_has_three_questions_and_one_final_answer(catalog: None) -> None:
    seed()
    seed()  # a second run adds nothing

    session = Session.objects.get(name="令和8年第4回定例会")
    rows = board.rows(list(board.with_board_facts(Question.objects.filter(session=session))))

    assert Session.objects.count() == 1
    assert [(row.question.number, row.state, row.is_overdue) for row in rows] == [
        (1, board.State.FINAL, False),
        (2, board.State.IN_REVIEW, False),
        (3, board.State.UNASSIGNED, True),
    ]
    assert rows[1].holders == ["子育 課長 髙橋"]
