# SPDX-License-Identifier: MPL-2.0
"""決裁, 後閲 and 合議 through the API: the pages' own actions, their refusals named as 4xx, audited."""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import Department, Position, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.backoffice.tests.conftest import TokenFor, bearer
from civicloop.cases import actions
from civicloop.cases.models import Case, Consultation
from civicloop.core.models import AuditEntry
from civicloop.documents import issue

pytestmark = pytest.mark.django_db
API = "/api/v1/backoffice"
Staff = Callable[..., User]


@pytest.fixture(autouse=True)
def no_signing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A decided case's result is not rendered and signed here (test_downloads does that)."""
    monkeypatch.setattr(issue, "issue_document", lambda *args, **kwargs: None)


@pytest.fixture
def staff(catalog: None) -> Staff:
    def make(username: str, position: str = Position.CLERK, department: str = "seiso", **fields: Any) -> User:
        user = User.objects.create(username=username, kind=User.Kind.STAFF, position=position, **fields)
        user.departments.add(Department.objects.get(code=department))
        return user

    return make


@pytest.fixture
def drafted(case: Case, clerk: User) -> Case:
    """A 粗大ごみ case the clerk drafted for approval: the route is 係長, then 課長."""
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    case.refresh_from_db()
    assert case.step == "approval"
    return case


def post(client: Client, path: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(f"{API}{path}", body, content_type="application/json", **headers)


def statuses(case: Case) -> list[str]:
    return list(case.approval_steps.order_by("round", "order").values_list("status", flat=True))


def test_the_section_chief_approves_through_the_api_and_the_next_rank_waits(drafted: Case, staff: Staff) -> None:
    # given
    kakaricho = staff("kakari", Position.KAKARICHO)
    staff("ka", Position.KACHO)
    # when
    response = post(
        sign_in_with_mfa(Client(), kakaricho), f"/cases/{drafted.public_id}/approval", {"decision": "approve"}
    )
    # then
    assert response.status_code == 200, response.content
    assert [s["status"] for s in response.json()["steps"]] == ["approved", "pending"]
    assert response.json()["steps"][0]["acted_by"] == str(kakaricho.public_id)
    assert AuditEntry.objects.filter(
        action="case.approval", actor=f"user/{kakaricho.public_id}", object_id=str(drafted.public_id)
    ).exists()


def test_the_division_head_sends_the_draft_back_with_a_reason(drafted: Case, staff: Staff) -> None:
    kakaricho, kacho = staff("kakari", Position.KAKARICHO), staff("ka", Position.KACHO)
    actions.act_on_approval(case=drafted, approver=kakaricho, decision="approve")
    response = post(
        sign_in_with_mfa(Client(), kacho),
        f"/cases/{drafted.public_id}/approval",
        {"decision": "return", "comment": "品目の確認が必要です"},
    )
    drafted.refresh_from_db()
    assert response.status_code == 200 and drafted.step == "review"
    assert statuses(drafted) == ["approved", "returned"]


def test_sending_back_without_a_reason_is_422_and_changes_nothing(drafted: Case, staff: Staff) -> None:
    kakaricho = staff("kakari", Position.KAKARICHO)
    response = post(
        sign_in_with_mfa(Client(), kakaricho), f"/cases/{drafted.public_id}/approval", {"decision": "return"}
    )
    assert response.status_code == 422 and "comment" in response.json()["detail"]
    assert statuses(drafted) == ["pending", "waiting"]


def test_someone_who_is_not_the_approver_gets_403_and_nothing_changes(drafted: Case, staff: Staff) -> None:
    staff("kakari", Position.KAKARICHO)
    kacho = staff("ka", Position.KACHO)  # the 係長 is present: the 課長 does not take their step
    response = post(sign_in_with_mfa(Client(), kacho), f"/cases/{drafted.public_id}/approval", {"decision": "approve"})
    assert response.status_code == 403 and "rank" in response.json()["detail"]
    assert statuses(drafted) == ["pending", "waiting"]


def test_the_drafter_does_not_approve_their_own_draft(drafted: Case, clerk: User) -> None:
    clerk.position = Position.KAKARICHO
    clerk.save(update_fields=["position"])
    response = post(sign_in_with_mfa(Client(), clerk), f"/cases/{drafted.public_id}/approval", {"decision": "approve"})
    assert response.status_code == 403 and "drafter" in response.json()["detail"]


def test_an_integration_client_never_approves(drafted: Case, token_for: TokenFor) -> None:
    # Its service account holds no rank: the action refuses it, as it would refuse a clerk.
    token = token_for(scopes=["cases:read", "cases:approve"])
    response = post(Client(), f"/cases/{drafted.public_id}/approval", {"decision": "approve"}, **bearer(token))
    assert response.status_code == 403
    assert statuses(drafted) == ["pending", "waiting"]


def test_a_case_not_at_approval_is_409(case: Case, staff: Staff) -> None:
    kakaricho = staff("kakari", Position.KAKARICHO)
    response = post(sign_in_with_mfa(Client(), kakaricho), f"/cases/{case.public_id}/approval", {"decision": "approve"})
    assert response.status_code == 409 and not case.approval_steps.exists()


def test_a_session_whose_second_factor_is_old_must_reauthenticate_first(drafted: Case, staff: Staff) -> None:
    kakaricho = staff("kakari", Position.KAKARICHO)
    browser = sign_in_with_mfa(Client(), kakaricho, at=time.time() - 3600)
    response = post(browser, f"/cases/{drafted.public_id}/approval", {"decision": "approve"})
    assert response.status_code == 403 and "re-authenticate" in response.json()["detail"]
    assert statuses(drafted) == ["pending", "waiting"]


def test_a_case_the_approver_may_not_see_is_404(drafted: Case, staff: Staff) -> None:
    Case.objects.filter(pk=drafted.pk).update(classification="SECRET")
    kakaricho = staff("kakari", Position.KAKARICHO)  # cleared for OFFICIAL only
    response = post(
        sign_in_with_mfa(Client(), kakaricho), f"/cases/{drafted.public_id}/approval", {"decision": "approve"}
    )
    assert response.status_code == 404 and statuses(drafted) == ["pending", "waiting"]


def test_the_absent_rank_reviews_a_proxy_decision_after_the_fact_once(drafted: Case, staff: Staff) -> None:
    # given: the 課長 is away, so a second 係長 decides in their place (代決)
    first, second = staff("kakari", Position.KAKARICHO), staff("kakari2", Position.KAKARICHO)
    kacho = staff("ka", Position.KACHO, absent_until=timezone.localdate() + timedelta(days=3))
    actions.act_on_approval(case=drafted, approver=first, decision="approve")
    actions.act_on_approval(case=drafted, approver=second, decision="approve")
    step = drafted.approval_steps.get(order=1)
    assert step.awaits_post_review
    body = {"round": step.round, "order": step.order, "comment": "確認しました"}
    # when: the 係長 tries, then the 課長 reviews, then tries again
    refused = post(sign_in_with_mfa(Client(), first), f"/cases/{drafted.public_id}/post-review", body)
    done = post(sign_in_with_mfa(Client(), kacho), f"/cases/{drafted.public_id}/post-review", body)
    again = post(sign_in_with_mfa(Client(), kacho), f"/cases/{drafted.public_id}/post-review", body)
    # then
    assert refused.status_code == 403
    assert done.status_code == 200, done.content
    assert done.json()["post_reviewed_by"] == str(kacho.public_id) and not done.json()["awaits_post_review"]
    assert again.status_code == 409
    assert AuditEntry.objects.filter(action="case.post_review", actor=f"user/{kacho.public_id}").count() == 1


def test_post_review_of_a_step_that_does_not_exist_is_404(drafted: Case, staff: Staff) -> None:
    kacho = staff("ka", Position.KACHO)
    response = post(
        sign_in_with_mfa(Client(), kacho), f"/cases/{drafted.public_id}/post-review", {"round": 9, "order": 0}
    )
    assert response.status_code == 404


@pytest.fixture
def consulted(case: Case, clerk: User) -> Consultation:
    """The clerk drafted with 合議: 総務課 (somu) is asked before 決裁."""
    actions.claim_case(case=case, clerk=clerk)
    [consultation] = actions.request_consultation(
        case=case,
        clerk=clerk,
        departments=[Department.objects.get(code="somu")],
        question="減免に問題はないか",
        outcome="approve",
    )
    return consultation


def test_the_consulted_department_answers_and_the_draft_moves_on_to_approval(
    consulted: Consultation, token_for: TokenFor
) -> None:
    # given: a client of the consulted department
    token = token_for(departments=("somu",), scopes=["cases:read", "cases:approve"])
    # when
    listed = Client().get(f"{API}/consultations?open=true", **bearer(token))
    response = post(Client(), f"/consultations/{consulted.public_id}/answer", {"opinion": "agree"}, **bearer(token))
    again = post(Client(), f"/consultations/{consulted.public_id}/answer", {"opinion": "agree"}, **bearer(token))
    # then
    consulted.case.refresh_from_db()
    assert [row["id"] for row in listed.json()] == [str(consulted.public_id)]
    assert response.status_code == 200 and response.json()["opinion"] == "agree"
    assert consulted.case.step == "approval"
    assert again.status_code == 409
    assert AuditEntry.objects.filter(action="case.answer_consultation", object_id=str(consulted.case.public_id))


def test_an_objection_needs_a_comment(consulted: Consultation, token_for: TokenFor) -> None:
    token = token_for(departments=("somu",), scopes=["cases:approve"])
    response = post(Client(), f"/consultations/{consulted.public_id}/answer", {"opinion": "disagree"}, **bearer(token))
    consulted.refresh_from_db()
    assert response.status_code == 422 and consulted.answered_at is None


def test_the_drafting_department_does_not_answer_its_own_consultation(
    consulted: Consultation, token_for: TokenFor
) -> None:
    token = token_for(departments=("seiso",), clearance="SECRET", scopes=["cases:read", "cases:approve"])
    response = post(Client(), f"/consultations/{consulted.public_id}/answer", {"opinion": "agree"}, **bearer(token))
    listed = Client().get(f"{API}/consultations", **bearer(token))
    consulted.refresh_from_db()
    assert response.status_code == 404 and consulted.answered_at is None
    assert listed.json() == []
