# SPDX-License-Identifier: MPL-2.0
"""The 起案 and 決裁 forms of the case page: a refused one comes back filled in as it was sent,
beside the reason."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.cases import actions
from civicloop.cases.models import Case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_results")]

NOTE = "品目は収集可能。搬出場所は玄関前で確認済み。"


def _textarea(page: str, element_id: str) -> str:
    found = re.search(rf'<textarea[^>]*id="{element_id}"[^>]*>(.*?)</textarea>', page, flags=re.S)
    assert found, f"no #{element_id} on the page"
    return found.group(1)


def _checked(page: str, element_id: str) -> bool:
    found = re.search(rf'<input[^>]*id="{element_id}"[^>]*>', page)
    assert found, f"no #{element_id} on the page"
    return " checked" in found.group(0)


# -- a refused form comes back as it was sent ---------------------------------------------------


def test_a_refused_draft_comes_back_with_what_the_clerk_typed_and_the_reason(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    # given a claimed case
    actions.claim_case(case=case, clerk=clerk)

    # when the clerk sends a refusal without its reasons, with a long note to the approvers
    response = login(clerk).post(
        reverse("cases:decision", args=[case.public_id]), {"outcome": "reject", "reason": " ", "comment": NOTE}
    )

    # then the page answers 400 with the form as it was sent and what is missing
    assert response.status_code == 400
    page = response.content.decode()
    assert "不承認には理由が必要です" in page
    assert _checked(page, "dc-reject") and not _checked(page, "dc-approve")
    assert _textarea(page, "dc-comment") == NOTE
    assert Case.objects.get(pk=case.pk).step == "review"


def test_a_refused_draft_to_other_departments_comes_back_with_the_departments_ticked(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    actions.claim_case(case=case, clerk=clerk)

    response = login(clerk).post(
        reverse("cases:decision", args=[case.public_id]),
        {"outcome": "approve", "comment": NOTE, "consult": ["somu", "keiyaku"], "question": ""},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "合議先の課を選び、照会事項を書いてください" in page
    assert _checked(page, "co-somu") and _checked(page, "co-keiyaku")
    assert _checked(page, "dc-approve") and _textarea(page, "dc-comment") == NOTE
    assert not Case.objects.get(pk=case.pk).consultations.exists()


def test_a_draft_by_someone_not_handling_the_case_is_forbidden_and_keeps_the_text(
    case: Case, clerk: User, staff: Callable[..., User], login: Callable[[User], Client]
) -> None:
    actions.claim_case(case=case, clerk=clerk)

    response = login(staff("colleague")).post(
        reverse("cases:decision", args=[case.public_id]), {"outcome": "reject", "reason": "対象外の品目です"}
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert "この案件でこの作業を行う権限がありません" in page
    assert _textarea(page, "dc-reason") == "対象外の品目です"


def test_a_draft_the_case_no_longer_waits_for_shows_what_was_typed_as_not_sent(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    # given a draft already sent for approval
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")

    # when the clerk sends another from a page left open
    response = login(clerk).post(
        reverse("cases:decision", args=[case.public_id]), {"outcome": "reject", "reason": "二重の申請です"}
    )

    # then 409: the form is gone (the case moved on), and what was typed is on the page to copy
    assert response.status_code == 409
    page = response.content.decode()
    assert "この案件では今この作業はできません" in page
    assert 'id="dc-reason"' not in page and "二重の申請です" in page


def test_a_refused_return_keeps_the_approvers_comment(
    case: Case, clerk: User, chiefs: tuple[User, User], login: Callable[[User], Client]
) -> None:
    # given a draft waiting for the 係長, and the 課長 trying to return it first
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    _kakari, ka = chiefs

    response = login(ka).post(
        reverse("cases:approve", args=[case.public_id]), {"decision": "return", "comment": "金額を再確認"}
    )

    assert response.status_code == 403
    assert "金額を再確認" in response.content.decode()
    assert Case.objects.get(pk=case.pk).step == "approval"
