# SPDX-License-Identifier: MPL-2.0
"""Integration clients: tokens and their scopes, per-client rate limits, audit, and staff sessions."""

from collections.abc import Callable

import pytest
from django.test import Client

from civicloop.accounts.models import User
from civicloop.backoffice import actions
from civicloop.backoffice.tests.conftest import TokenFor, bearer, token_of
from civicloop.cases.models import Case
from civicloop.core.models import AuditEntry
from civicloop.intelligence.models import Inquiry

Register = Callable[..., actions.Registered]
CASES = "/api/v1/backoffice/cases"


@pytest.mark.django_db
def test_a_client_gets_a_token_for_its_own_scopes_only(register: Register) -> None:
    registered = register(scopes=["cases:read"])
    refused = token_of(registered.client_id, registered.client_secret, scope="cases:read cases:write")
    granted = token_of(registered.client_id, registered.client_secret)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    assert granted.status_code == 200 and granted.json()["scope"] == "cases:read"
    assert AuditEntry.objects.filter(
        action="api_client.token_issued", actor=f"api-client/{registered.client.public_id}"
    )


@pytest.mark.django_db
def test_a_wrong_secret_gets_no_token(register: Register) -> None:
    registered = register()
    assert token_of(registered.client_id, "not-the-secret").status_code == 401


@pytest.mark.django_db
def test_a_bad_token_is_401_and_a_missing_scope_403(token_for: TokenFor, case: Case) -> None:
    token = token_for(scopes=["inquiries:read"])
    assert Client().get(CASES, **bearer("nonsense")).status_code == 401
    assert Client().get(CASES).status_code == 401
    response = Client().get(CASES, **bearer(token))
    assert response.status_code == 403 and str(case.public_id) not in response.content.decode()


@pytest.mark.django_db
def test_a_deactivated_client_is_refused_at_once(register: Register, case: Case) -> None:
    registered = register()
    token = token_of(registered.client_id, registered.client_secret).json()["access_token"]
    assert Client().get(CASES, **bearer(token)).status_code == 200
    actions.deactivate_client(client=registered.client, by=None)
    assert Client().get(CASES, **bearer(token)).status_code == 401
    assert token_of(registered.client_id, registered.client_secret).status_code != 200


@pytest.mark.django_db
def test_each_client_has_its_own_rate_limit(token_for: TokenFor, case: Case) -> None:
    limited, other = token_for(rate_limit=3), token_for(rate_limit=3)
    answers = [Client().get(CASES, **bearer(limited)).status_code for _ in range(4)]
    refused = Client().get(CASES, **bearer(limited))
    assert answers == [200, 200, 200, 429]
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert Client().get(CASES, **bearer(other)).status_code == 200


@pytest.mark.django_db
def test_a_client_claims_a_case_as_its_service_account_and_it_is_audited(register: Register, case: Case) -> None:
    # given
    registered = register()
    token = token_of(registered.client_id, registered.client_secret).json()["access_token"]
    # when
    response = Client().post(f"{CASES}/{case.public_id}/claim", **bearer(token))
    # then
    case.refresh_from_db()
    service = registered.client.service_user
    assert response.status_code == 200 and response.json()["assignee"] == str(service.public_id)
    assert case.assignee_id == service.pk and case.status == Case.Status.IN_REVIEW
    assert AuditEntry.objects.filter(actor=f"user/{service.public_id}", object_id=str(case.public_id)).exists()


@pytest.mark.django_db
def test_reading_a_secret_case_is_audited_like_the_page(register: Register, secret_case: Case) -> None:
    registered = register(clearance="SECRET")
    token = token_of(registered.client_id, registered.client_secret).json()["access_token"]
    listed = Client().get(CASES, **bearer(token))
    opened = Client().get(f"{CASES}/{secret_case.public_id}", **bearer(token))
    assert [row["id"] for row in listed.json()] == [str(secret_case.public_id)] and opened.status_code == 200
    reasons = AuditEntry.objects.filter(
        action="access.api",
        object_id=str(secret_case.public_id),
        actor=f"user/{registered.client.service_user.public_id}",
    ).values_list("data__reason", flat=True)
    assert sorted(reasons) == ["department member", "listed"]


@pytest.mark.django_db
def test_an_answer_refused_by_the_action_changes_nothing(token_for: TokenFor, inquiry: Inquiry) -> None:
    token = token_for(scopes=["inquiries:read", "inquiries:write"])
    Inquiry.objects.filter(pk=inquiry.pk).update(status=Inquiry.Status.ROUTED)
    response = Client().post(
        f"/api/v1/backoffice/inquiries/{inquiry.public_id}/answer",
        {"answer": "  "},
        content_type="application/json",
        **bearer(token),
    )
    inquiry.refresh_from_db()
    assert response.status_code == 422 and inquiry.answer == ""


@pytest.mark.django_db
def test_staff_use_their_session_and_writes_need_the_csrf_token(make_clerk: Callable[..., User], case: Case) -> None:
    from civicloop.accounts.testing import sign_in_with_mfa

    clerk = make_clerk("seiso")
    browser = sign_in_with_mfa(Client(enforce_csrf_checks=True), clerk)
    listed = browser.get(CASES)
    refused = browser.post(f"{CASES}/{case.public_id}/claim")
    case.refresh_from_db()
    assert [row["id"] for row in listed.json()] == [str(case.public_id)]
    assert refused.status_code == 403 and case.assignee_id is None
