# SPDX-License-Identifier: MPL-2.0
"""An API error says the same `code` in every language and its `message` in the caller's: Japanese
unless the caller chose English (the site's language cookie, or, for a program without a session,
Accept-Language). `detail` stays what it was before codes, for v1 clients."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.backoffice.tests.conftest import TokenFor, bearer
from civicloop.cases import actions
from civicloop.cases.models import Case

CASES = "/api/v1/backoffice/cases"


@pytest.fixture
def claimed(case: Case, clerk: User) -> Case:
    """A 粗大ごみ case a clerk of 清掃リサイクル課 has already claimed."""
    actions.claim_case(case=case, clerk=clerk)
    return case


def _claim(case: Case, token: str, **headers: Any) -> Any:
    return Client().post(f"{CASES}/{case.public_id}/claim", **bearer(token), **headers)


@pytest.mark.parametrize(
    ("headers", "language", "message"),
    [
        ({}, "ja", "他の職員が先にこの案件を担当しました。変更はしていません。"),
        ({"HTTP_ACCEPT_LANGUAGE": "ja,en;q=0.5"}, "ja", "他の職員が先にこの案件を担当しました。変更はしていません。"),
        (
            {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"},
            "en",
            "Another member of staff claimed this case first. Nothing was changed.",
        ),
        (
            {"HTTP_ACCEPT_LANGUAGE": "fr,en;q=0.8,ja;q=0.5"},
            "en",
            "Another member of staff claimed this case first. Nothing was changed.",
        ),
    ],
)
def test_the_same_refusal_has_one_code_and_a_message_in_the_clients_language(
    claimed: Case, clerk: User, token_for: TokenFor, headers: dict[str, str], language: str, message: str
) -> None:
    # given a client of the department, and a case someone else claimed first
    token = token_for(departments=["seiso"])
    # when the client claims it, stating a language or none
    response = _claim(claimed, token, **headers)
    # then
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["message"], body["detail"]) == ("case_already_claimed", message, str(claimed.public_id))
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]
    assert Case.objects.get(pk=claimed.pk).assignee == clerk  # the refusal changed nothing


def test_a_missing_scope_is_coded_and_still_names_the_scope(case: Case, token_for: TokenFor) -> None:
    token = token_for(departments=["seiso"], scopes=["cases:read"])
    ja = _claim(case, token).json()
    en = _claim(case, token, HTTP_ACCEPT_LANGUAGE="en").json()
    assert ja["code"] == en["code"] == "missing_scope"
    assert "cases:write" in ja["detail"] and ja["detail"] == en["detail"]
    assert en["message"] == "This access token does not allow this operation. Nothing was changed."
    assert Case.objects.get(pk=case.pk).assignee is None


def test_ninjas_own_refusals_carry_a_code_too(case: Case, token_for: TokenFor) -> None:
    token = token_for(departments=["seiso"])
    missing = Client().get(f"{CASES}/00000000-0000-4000-8000-000000000000", **bearer(token), HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404
    assert (missing.json()["code"], missing.json()["message"]) == ("not_found", "Not found, or not visible to you.")
    unsigned = Client().get(CASES, HTTP_ACCEPT_LANGUAGE="en")
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "not_authenticated"
    invalid = Client().get(f"{CASES}?limit=0", **bearer(token), HTTP_ACCEPT_LANGUAGE="en")
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid_request"
    assert isinstance(invalid.json()["detail"], list)  # ninja's list of errors, as before codes


def test_a_browser_session_speaks_the_sites_language_not_the_browsers(clerk: User) -> None:
    # given a member of staff signed in on a browser that asks for English without choosing it on the site
    browser = sign_in_with_mfa(Client(), clerk)
    # when
    said = browser.get(f"{CASES}/00000000-0000-4000-8000-000000000000", HTTP_ACCEPT_LANGUAGE="en")
    # then Japanese, as the pages; with the site's switch set to English, English
    assert said.status_code == 404 and said["Content-Language"] == "ja" and said.json()["code"] == "not_found"
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    said = browser.get(f"{CASES}/00000000-0000-4000-8000-000000000000")
    assert said["Content-Language"] == "en" and said.json()["message"] == "Not found, or not visible to you."


def test_a_code_a_route_names_survives_its_response_schema(clerk: User) -> None:
    # the residents' API answers a member of staff with its own code, through its ErrorOut schema
    browser = sign_in_with_mfa(Client(), clerk)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = {"procedure": "sodai-gomi", "answers": {}}
    refused = browser.post("/api/applications", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k" * 12)
    assert refused.status_code == 403
    assert refused.json()["code"] == "residents_only"
    assert refused.json()["message"] == "Only a signed-in resident can send applications. Nothing was sent."
    assert refused.json()["detail"] == "only residents submit applications"
