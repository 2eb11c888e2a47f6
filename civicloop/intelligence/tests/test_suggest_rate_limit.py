# SPDX-License-Identifier: MPL-2.0
"""/api/routing/suggest needs no sign-in and runs the model on every call: limited per address (or per
signed-in user), with a 429 JSON answer in the visitor's language."""

import json
import time
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from civicloop.intelligence.models import RoutingModel

pytestmark = pytest.mark.django_db

WINDOW_S = 600
TEXT = json.dumps({"text": "児童手当の振込日を知りたい"})


@pytest.fixture
def two_suggestions(settings: Any) -> None:
    settings.ROUTING_SUGGEST_RATE_LIMIT = 2
    settings.PUBLIC_RATE_WINDOW_S = WINDOW_S
    left = WINDOW_S - time.time() % WINDOW_S  # a window turning over mid-test would give a second allowance
    if left < 5:
        time.sleep(left + 0.1)


def _suggest(client: Client) -> Any:
    return client.post("/api/routing/suggest", TEXT, content_type="application/json")


def test_suggestions_beyond_the_limit_get_a_429_json_answer(routing_model: RoutingModel, two_suggestions: None) -> None:
    # given a visitor who has had their two suggestions
    visitor = Client(REMOTE_ADDR="198.51.100.70")
    assert [_suggest(visitor).status_code for _ in range(2)] == [200, 200]
    # when they ask again
    refused = _suggest(visitor)
    # then a 429 in Japanese says when to come back, in the body and the header
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert "短時間にリクエストが多すぎます" in refused.json()["detail"]
    assert 0 < refused.json()["retry_after"] == int(refused["Retry-After"]) <= WINDOW_S
    # and in English for a visitor who chose it
    visitor.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Too many requests in a short time" in _suggest(visitor).json()["detail"]


def test_another_address_still_gets_suggestions(routing_model: RoutingModel, two_suggestions: None) -> None:
    for _ in range(3):
        _suggest(Client(REMOTE_ADDR="198.51.100.71"))
    assert _suggest(Client(REMOTE_ADDR="198.51.100.72")).json()["department"] == "kosodate_kyufu"
