# SPDX-License-Identifier: MPL-2.0
"""Submitting applications is rate limited: 429 with Retry-After, in Japanese or English, nothing submitted."""

import json

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.applications import actions
from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI

pytestmark = pytest.mark.django_db


def _api(client: Client, key: str) -> HttpResponseBase:
    body = {"procedure": "sodai-gomi", "answers": VALID_SODAI_GOMI}
    return client.post("/api/applications", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def limit_of_two(settings: object) -> None:
    settings.SUBMISSION_RATE_LIMIT = 2  # type: ignore[attr-defined]
    settings.SUBMISSION_RATE_WINDOW_S = 600  # type: ignore[attr-defined]


def test_the_api_answers_429_after_the_limit_and_submits_nothing(
    resident_client: Client, sodai_gomi: Procedure, limit_of_two: None
) -> None:
    assert _api(resident_client, "key-00000001").status_code == 201
    assert _api(resident_client, "key-00000001").status_code == 200  # a retry of the same one costs nothing
    assert _api(resident_client, "key-00000002").status_code == 201
    refused = _api(resident_client, "key-00000003")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert "申請" in refused.json()["detail"]  # type: ignore[attr-defined]
    assert Application.objects.filter(status="submitted").count() == 2


def test_answers_sent_back_with_errors_do_not_count(
    resident_client: Client, sodai_gomi: Procedure, limit_of_two: None
) -> None:
    body = {"procedure": "sodai-gomi", "answers": {**VALID_SODAI_GOMI, "items": []}}
    for n in range(5):
        response = resident_client.post(
            "/api/applications", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"bad-{n:06d}"
        )
        assert response.status_code == 422
    assert _api(resident_client, "key-00000001").status_code == 201


def test_each_resident_has_their_own_allowance(
    resident_client: Client, other_resident: User, sodai_gomi: Procedure, limit_of_two: None
) -> None:
    for n in range(2):
        assert _api(resident_client, f"key-0000000{n}").status_code == 201
    other = Client()
    other.force_login(other_resident)
    assert _api(other, "key-00000009").status_code == 201


def test_the_form_shows_a_429_page_in_the_chosen_language(
    resident: User, resident_client: Client, sodai_gomi: Procedure, limit_of_two: None
) -> None:
    # given a resident who has submitted two applications through the form
    drafts = []
    for _n in range(3):
        draft = actions.start_application(procedure=sodai_gomi, user=resident)
        Application.objects.filter(pk=draft.pk).update(answers=VALID_SODAI_GOMI)
        drafts.append(draft)
    for draft in drafts[:2]:
        done = resident_client.post(
            reverse("applications:application-check", args=[draft.public_id]), {"declaration": "yes"}
        )
        assert done.status_code == 302
    # when they submit a third, in English
    resident_client.cookies["django_language"] = "en"
    response = resident_client.post(
        reverse("applications:application-check", args=[drafts[2].public_id]), {"declaration": "yes"}
    )
    # then a 429 page says so, and the draft is still a draft
    assert response.status_code == 429
    assert "Too many applications" in response.content.decode()
    assert response["Retry-After"]
    drafts[2].refresh_from_db()
    assert drafts[2].is_draft
    # and viewing the form is never limited
    assert resident_client.get(reverse("applications:application-check", args=[drafts[2].public_id])).status_code == 200


def test_zero_turns_the_limit_off(resident_client: Client, sodai_gomi: Procedure, settings: object) -> None:
    settings.SUBMISSION_RATE_LIMIT = 0  # type: ignore[attr-defined]
    for n in range(4):
        assert _api(resident_client, f"key-0000000{n}").status_code == 201
