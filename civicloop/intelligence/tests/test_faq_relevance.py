# SPDX-License-Identifier: MPL-2.0
"""FAQ answers are offered only where they are about the question, in the page's language (issue 11)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.intelligence.models import Inquiry, RoutingModel

pytestmark = pytest.mark.django_db

# A 粗大ごみ question whose wording (世帯, どう…) drew the 世帯主変更 FAQ before department matching.
BULKY_WITH_HOUSEHOLD_WORDS = "粗大ごみを出したいのですが、世帯主が申し込まないといけませんか？"


def _english(client: Client) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})


def test_a_bulky_waste_inquiry_is_offered_waste_answers_and_not_the_household_head_one(
    client: Client, routing_model: RoutingModel, settings: Any
) -> None:
    # given a bulky-waste inquiry that the routing model sends to 清掃リサイクル課
    settings.ROUTING_THRESHOLD = 0.0
    client.post(reverse("intelligence:inquiry-create"), {"text": BULKY_WITH_HOUSEHOLD_WORDS})
    inquiry = Inquiry.objects.get()
    assert inquiry.department_code == "seiso"
    # when the resident opens it
    page = client.get(reverse("intelligence:inquiry-detail", args=[inquiry.public_id])).content.decode()
    # then no answer from another department is offered while they wait
    assert "世帯主を夫から妻に変えたい" not in page
    assert "粗大ごみを出したいです。どう申し込めばいいですか？" in page


def test_the_english_help_search_finds_the_bulky_waste_answers_in_english(client: Client, catalog: None) -> None:
    _english(client)
    page = client.get(reverse("intelligence:help-search"), {"q": "bulky waste"}).content.decode()
    assert "How much does bulky-waste collection cost, and how do I pay?" in page
    assert "partnership" not in page.lower()
    assert "/procedures/sodai-gomi/" in page


def test_an_english_search_with_no_good_answer_shows_none_and_offers_the_inquiry_form(
    client: Client, catalog: None
) -> None:
    _english(client)
    page = client.get(reverse("intelligence:help-search"), {"q": "dog registration"}).content.decode()
    assert "We could not find an answer" in page
    assert 'class="card"' not in page
    assert "/inquiries/new/?text=dog%20registration" in page


def test_a_japanese_page_does_not_answer_english_words_with_unrelated_japanese_answers(
    client: Client, catalog: None
) -> None:
    page = client.get(reverse("intelligence:help-search"), {"q": "bulky waste"}).content.decode()
    assert "パートナーシップ証明書を申請したい" not in page
    assert "クラウドサービスを区に提供したい" not in page


def test_the_faq_api_does_not_return_loose_matches(client: Client) -> None:
    assert client.get("/api/faq", {"q": "bulky waste"}).json() == []
