# SPDX-License-Identifier: MPL-2.0
"""The 起案 and 決裁 forms of the case page: each says what became of the case, and a refused one
comes back filled in as it was sent, beside the reason."""

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import Position, User
from civicloop.applications.models import Application
from civicloop.cases import actions
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_results")]

NOTE = "品目は収集可能。搬出場所は玄関前で確認済み。"


def _said(client: Client, url: str, data: dict[str, Any]) -> list[str]:
    """Send the form, follow to the case page, and read the notices it shows at the top."""
    page = client.post(url, data, follow=True).content.decode()
    notices = re.findall(r'<div class="notice notice--success" role="status">(.*?)</div>', page, flags=re.S)
    return [html.unescape(notice) for notice in notices]


def _textarea(page: str, element_id: str) -> str:
    found = re.search(rf'<textarea[^>]*id="{element_id}"[^>]*>(.*?)</textarea>', page, flags=re.S)
    assert found, f"no #{element_id} on the page"
    return found.group(1)


def _checked(page: str, element_id: str) -> bool:
    found = re.search(rf'<input[^>]*id="{element_id}"[^>]*>', page)
    assert found, f"no #{element_id} on the page"
    return " checked" in found.group(0)


def _in_language(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# -- what each outcome confirms ------------------------------------------------------------------

CONFIRMATIONS = {
    "ja": {
        "drafted": "起案し、決裁に回しました。係長の決裁待ちです。",
        "consulted": "起案を合議先の課に回しました。",
        "approved, next rank": "決裁しました。課長の決裁待ちです。",
        "approved, fee next": "決裁しました。手数料の納付を確認した後に結果を通知します。",
        "returned": "起案を担当者に差し戻しました。",
    },
    "en": {
        "drafted": "The draft decision was sent for approval (決裁). It now waits for approval by the 係長.",
        "consulted": "The draft was sent to the other departments for their opinions (合議).",
        "approved, next rank": "You approved the draft (決裁). It now waits for approval by the 課長.",
        "approved, fee next": "You approved the draft (決裁). The result is issued once the fee is paid.",
        "returned": "You returned the draft to the clerk for rework (差戻し).",
    },
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_outcome_of_the_draft_and_approval_forms_says_what_happened(
    case: Case, clerk: User, chiefs: tuple[User, User], login: Callable[[User], Client], language: str
) -> None:
    # given a claimed case and its 係長 and 課長, each on the page in the language they chose
    kakari, ka = chiefs
    expected = CONFIRMATIONS[language]
    actions.claim_case(case=case, clerk=clerk)
    as_clerk, as_kakari, as_ka = (_in_language(login(user), language) for user in (clerk, kakari, ka))
    decision = reverse("cases:case-decide", args=[case.public_id])
    approve = reverse("cases:case-approve", args=[case.public_id])

    # when the draft goes up, comes back (差戻し), goes up again and is approved rank by rank
    # then each confirmation names what became of the case
    assert _said(as_clerk, decision, {"outcome": "approve", "comment": NOTE}) == [expected["drafted"]]
    returned = _said(as_kakari, approve, {"decision": "return", "comment": "品目を確認してください"})
    assert returned == [expected["returned"]]
    assert Case.objects.get(pk=case.pk).step == "review"
    assert _said(as_clerk, decision, {"outcome": "approve"}) == [expected["drafted"]]
    assert _said(as_kakari, approve, {"decision": "approve"}) == [expected["approved, next rank"]]
    assert _said(as_ka, approve, {"decision": "approve"}) == [expected["approved, fee next"]]
    assert Case.objects.get(pk=case.pk).step == "fee"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_draft_sent_to_other_departments_says_so(
    case: Case, clerk: User, login: Callable[[User], Client], language: str
) -> None:
    actions.claim_case(case=case, clerk=clerk)
    said = _said(
        _in_language(login(clerk), language),
        reverse("cases:case-decide", args=[case.public_id]),
        {"outcome": "approve", "consult": ["somu"], "question": "減免に問題はないか"},
    )
    assert said == [CONFIRMATIONS[language]["consulted"]]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ja", "決裁しました。決裁者が不在のため代決しました。決裁者が後日後閲します。"),
        ("en", "You approved the draft (決裁). You decided in the approver's absence (代決): they review it"),
    ],
)
def test_an_approval_in_the_absent_approvers_place_says_it_was_a_proxy_decision(
    case: Case,
    clerk: User,
    chiefs: tuple[User, User],
    staff: Callable[..., User],
    login: Callable[[User], Client],
    language: str,
    expected: str,
) -> None:
    # given a draft the 係長 approved, while every 課長 is away
    kakari, ka = chiefs
    ka.absent_until = timezone.localdate()
    ka.save(update_fields=["absent_until"])
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    actions.act_on_approval(case=case, approver=kakari, decision="approve")

    # when another 係長 decides in the 課長's place (代決)
    (said,) = _said(
        _in_language(login(staff("kakari-2", Position.KAKARICHO)), language),
        reverse("cases:case-approve", args=[case.public_id]),
        {"decision": "approve"},
    )

    # then the confirmation says so, and what comes next
    assert said.startswith(expected)


def test_a_notification_accepted_without_a_route_says_the_case_is_decided(
    login: Callable[[User], Client], staff: Callable[..., User], resident: User
) -> None:
    # given a 届出 (road damage report), whose acceptance needs no 決裁 (専決規程)
    procedure = Procedure.objects.get(code="doro-sonsho")
    with transaction.atomic():
        application = Application.objects.create(
            procedure_version=procedure.current_version,
            applicant=resident,
            status=Application.Status.SUBMITTED,
            submitted_at=timezone.now(),
            receipt_number="T-000001",
        )
        case = actions.open_case(application=application)
    clerk = staff("doboku-clerk", department="doboku")
    actions.claim_case(case=case, clerk=clerk)

    # when the clerk accepts it
    said = _said(login(clerk), reverse("cases:case-decide", args=[case.public_id]), {"outcome": "accept"})

    # then the confirmation says the case is decided, not that it went for approval
    assert said == ["結果を記録しました。案件は決定し、申請者に結果を通知しました。"]
    assert Case.objects.get(pk=case.pk).status == Case.Status.CLOSED


# -- a refused form comes back as it was sent ---------------------------------------------------


def test_a_refused_draft_comes_back_with_what_the_clerk_typed_and_the_reason(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    # given a claimed case
    actions.claim_case(case=case, clerk=clerk)

    # when the clerk sends a refusal without its reasons, with a long note to the approvers
    response = login(clerk).post(
        reverse("cases:case-decide", args=[case.public_id]), {"outcome": "reject", "reason": " ", "comment": NOTE}
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
        reverse("cases:case-decide", args=[case.public_id]),
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
        reverse("cases:case-decide", args=[case.public_id]), {"outcome": "reject", "reason": "対象外の品目です"}
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
        reverse("cases:case-decide", args=[case.public_id]), {"outcome": "reject", "reason": "二重の申請です"}
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
        reverse("cases:case-approve", args=[case.public_id]), {"decision": "return", "comment": "金額を再確認"}
    )

    assert response.status_code == 403
    assert "金額を再確認" in response.content.decode()
    assert Case.objects.get(pk=case.pk).step == "approval"
