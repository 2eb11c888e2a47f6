# SPDX-License-Identifier: MPL-2.0
"""A resident's inquiry page says what has happened: received and waiting, or answered with the answer (issue 11)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import Department, User
from civicloop.intelligence import actions
from civicloop.intelligence.models import Inquiry, RoutingModel

pytestmark = pytest.mark.django_db

BULKY = "粗大ごみの出し方を教えてください。ソファを捨てたいです"
ANSWER = "粗大ごみ受付センターにお申し込みください。収集日は申込みから7日以降です。"


def _submit(client: Client, settings: Any) -> Inquiry:
    settings.ROUTING_THRESHOLD = 0.0  # routed straight to a department, so it can be answered
    client.post(reverse("intelligence:inquiry-create"), {"text": BULKY})
    return Inquiry.objects.get()


def test_an_unanswered_inquiry_says_it_was_received_and_offers_help_while_waiting(
    client: Client, routing_model: RoutingModel, settings: Any
) -> None:
    inquiry = _submit(client, settings)
    page = client.get(reverse("intelligence:inquiry-detail", args=[inquiry.public_id])).content.decode()
    assert "お問い合わせを受け付けました" in page
    assert "回答をお待ちの間" in page
    assert "お問い合わせに回答しました" not in page


def test_an_answered_inquiry_shows_the_answer_and_no_longer_says_it_is_waiting(
    client: Client, routing_model: RoutingModel, clerk: User, settings: Any
) -> None:
    # given an inquiry the department has answered
    inquiry = _submit(client, settings)
    clerk.departments.add(Department.objects.get(code=inquiry.department_code))
    actions.answer_inquiry(inquiry=inquiry, answer=ANSWER, by=clerk)
    # when the resident opens their inquiry page
    page = client.get(reverse("intelligence:inquiry-detail", args=[inquiry.public_id])).content.decode()
    # then it says it was answered, the answer comes before the question, and the waiting text is gone
    assert "お問い合わせに回答しました" in page
    assert ANSWER in page and page.index(ANSWER) < page.index(BULKY)
    assert "お問い合わせを受け付けました" not in page
    assert "回答をお待ちの間" not in page
