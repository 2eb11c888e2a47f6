# SPDX-License-Identifier: MPL-2.0
"""A body over DATA_UPLOAD_MAX_MEMORY_SIZE gets 413 with a clear message: JSON from the API, a page
elsewhere, in the visitor's language, and nothing is stored. It used to be a 400, or a 500 from the
API with DEBUG on (RequestDataTooBig)."""

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI

pytestmark = pytest.mark.django_db

OVER = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1


def test_an_oversized_json_submission_gets_413_json_and_is_not_stored(
    resident_client: Client, sodai_gomi: Procedure
) -> None:
    body = json.dumps({"procedure": "sodai-gomi", "answers": {**VALID_SODAI_GOMI, "note": "x" * OVER}})
    response = resident_client.post(
        "/api/applications", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="oversized-1"
    )
    assert response.status_code == 413
    assert "2 MB" in response.json()["detail"]
    assert response.json()["max_bytes"] == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert not Application.objects.exists()


@pytest.mark.parametrize("debug", [False, True])
def test_an_oversized_multipart_field_on_the_api_gets_413_json(settings: Any, debug: bool) -> None:
    # Multipart passes the early check (its files may be large); Django refuses the field while parsing.
    settings.DEBUG = debug
    response = Client().post("/api/routing/suggest", {"text": "x" * OVER})
    assert response.status_code == 413
    assert "リクエストが 2 MB を超えている" in response.json()["detail"]


def test_an_oversized_form_gets_a_413_page_in_the_chosen_language() -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post("/verify/", "code=" + "x" * OVER, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "The request is larger than 2 MB" in response.content.decode()


def test_an_oversized_multipart_form_field_gets_the_same_413_page() -> None:
    response = Client().post("/verify/", {"code": "x" * OVER})
    assert response.status_code == 413
    assert "リクエストが大きすぎます" in response.content.decode()


def test_a_body_under_the_limit_is_read_as_usual() -> None:
    assert Client().post("/verify/", {"code": "x" * 1000}).status_code == 400  # no file chosen: the form says so
