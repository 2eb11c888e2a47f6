# SPDX-License-Identifier: MPL-2.0
"""合議 from the case page: the draft goes to other departments with everything the clerk wrote."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.cases import actions
from civicloop.cases.models import Case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_results")]

NOTE = "申請者には電話で品目を確認済みです。"
QUESTION = "手数料の減免に問題がないか"


def _next_step(page: str) -> str:
    return page.split('id="next-step"', 1)[1].split("</section>", 1)[0]


def test_the_note_to_the_approvers_goes_with_a_draft_sent_for_consultation(
    case: Case, clerk: User, chiefs: tuple[User, User], staff: Callable[..., User], login: Callable[[User], Client]
) -> None:
    # given a claimed case and a member of the department to consult
    actions.claim_case(case=case, clerk=clerk)
    finance = staff("somu-clerk", department="somu")

    # when the clerk drafts the decision with 合議 and a note to the approvers (決裁者への補足)
    response = login(clerk).post(
        reverse("cases:case-decide", args=[case.public_id]),
        {"outcome": "approve", "comment": NOTE, "consult": ["somu"], "question": QUESTION},
    )
    assert response.status_code == 302

    # then the consulted department reads the note beside the question
    consultation = case.consultations.get()
    page = login(finance).get(reverse("cases:consultation-detail", args=[consultation.public_id])).content.decode()
    assert QUESTION in page and NOTE in page

    # and once it has answered, the first approver reads the note where they decide
    actions.answer_consultation(consultation=consultation, staff=finance, opinion="agree")
    page = login(chiefs[0]).get(reverse("cases:case-detail", args=[case.public_id])).content.decode()
    assert NOTE in _next_step(page)
    assert QUESTION in page  # the question stays on the case page too, with the department's answer


def test_the_review_step_of_a_draft_sent_for_consultation_records_the_note(
    case: Case, clerk: User, staff: Callable[..., User]
) -> None:
    actions.claim_case(case=case, clerk=clerk)
    somu = staff("somu-clerk", department="somu").departments.get()

    asked = actions.request_consultation(
        case=case, clerk=clerk, departments=[somu], question=QUESTION, outcome="approve", comment=NOTE
    )

    review = case.tasks.get(name="review")  # as submit_review records the note of a draft sent straight on
    assert (review.outcome, review.comment) == ("approve", NOTE)
    assert [c.question for c in asked] == [QUESTION]
