# SPDX-License-Identifier: MPL-2.0
"""Decisions: approve, refuse with reasons (行政手続法8条), or the resident's withdrawal."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import Department, User
from civicloop.applications.models import Application
from civicloop.cases import actions
from civicloop.cases.models import Case
from civicloop.core.models import AuditEntry, Event

pytestmark = pytest.mark.django_db


def test_a_refusal_without_reasons_is_refused_and_changes_nothing(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    login(clerk).post(reverse("cases:case-claim", args=[case.public_id]))
    response = login(clerk).post(
        reverse("cases:case-decide", args=[case.public_id]), {"outcome": "reject", "reason": " "}, follow=True
    )
    assert "不承認には理由が必要です" in response.content.decode()
    assert Case.objects.get(pk=case.pk).step == "review"
    case.refresh_from_db()
    assert case.status != Case.Status.CLOSED


def test_a_refusal_shows_its_reasons_to_the_resident(
    case: Case,
    clerk: User,
    chiefs: tuple[User, User],
    resident_client: Client,
    login: Callable[[User], Client],
    fake_results: list[tuple[str, str]],
) -> None:
    login(clerk).post(reverse("cases:case-claim", args=[case.public_id]))
    login(clerk).post(
        reverse("cases:case-decide", args=[case.public_id]), {"outcome": "reject", "reason": "収集区域外の住所です。"}
    )
    for approver in chiefs:
        login(approver).post(reverse("cases:case-approve", args=[case.public_id]), {"decision": "approve"})
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.decision_reason == "収集区域外の住所です。"
    page = resident_client.get(
        reverse("applications:application-detail", args=[case.application.public_id])
    ).content.decode()
    assert "申請は認められませんでした" in page and "収集区域外の住所です。" in page
    assert Event.objects.filter(type="jp.lg.civicloop.case.decided").exists()
    assert AuditEntry.objects.filter(action="case.decided", object_id=str(case.public_id)).exists()


def test_a_closed_case_cannot_be_approved_again(
    case: Case, clerk: User, chiefs: tuple[User, User], fake_results: list[tuple[str, str]]
) -> None:
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="reject", reason="対象外")
    for approver in chiefs:
        actions.act_on_approval(case=case, approver=approver, decision="approve")
    with pytest.raises(actions.IllegalTransition):
        actions.act_on_approval(case=case, approver=chiefs[1], decision="approve")
    with pytest.raises(actions.IllegalTransition):
        actions.submit_review(case=case, clerk=clerk, outcome="approve")
    assert Application.objects.get(pk=case.application_id).status == Application.Status.REJECTED


def test_the_resident_withdraws_with_confirmation(case: Case, resident_client: Client) -> None:
    url = reverse("cases:application-withdraw", args=[case.application.public_id])
    resident_client.post(url)  # without the confirmation box nothing happens
    assert Application.objects.get(pk=case.application_id).status == Application.Status.SUBMITTED
    resident_client.post(url, {"confirm": "yes"})
    assert Application.objects.get(pk=case.application_id).status == Application.Status.WITHDRAWN
    assert Case.objects.get(pk=case.pk).status == Case.Status.CLOSED


def test_nobody_else_can_withdraw_it(case: Case, other_resident: User, login: Callable[[User], Client]) -> None:
    response = login(other_resident).post(
        reverse("cases:application-withdraw", args=[case.application.public_id]), {"confirm": "yes"}
    )
    assert response.status_code == 404
    assert Application.objects.get(pk=case.application_id).status == Application.Status.SUBMITTED


@pytest.mark.parametrize("with_consultation", [False, True], ids=["alone", "with-consultation"])
def test_only_the_assigned_clerk_drafts_the_decision_alone_or_with_a_consultation(
    case: Case, clerk: User, staff: Callable[..., User], with_consultation: bool
) -> None:
    # given a case claimed by one clerk, and a colleague of the same department
    actions.claim_case(case=case, clerk=clerk)
    colleague = staff("colleague")
    # when the colleague drafts the decision, then it is refused and the case stays at 審査
    with pytest.raises(actions.NotAuthorised):
        if with_consultation:
            actions.request_consultation(
                case=case,
                clerk=colleague,
                departments=Department.objects.filter(code="somu"),
                question="確認をお願いします",
                outcome="approve",
            )
        else:
            actions.submit_review(case=case, clerk=colleague, outcome="approve")
    case.refresh_from_db()
    assert case.step == "review" and not case.consultations.exists()
