# SPDX-License-Identifier: MPL-2.0
"""Every GET form that takes free text answers a NUL (which PostgreSQL cannot hold) with a clear 400:
the page again, what is wrong, and the text without the character. Nothing answers 500."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db

CANNOT_BE_USED = "検索語に使用できない文字が含まれています"


@pytest.fixture
def staff_client(catalog: None) -> Client:
    return sign_in_with_mfa(Client(), StaffFactory.create(username="searcher", department="seiso"))


@pytest.mark.parametrize(
    ("url_name", "param", "typed", "shown_again"),
    [
        ("catalog:procedure-list", "q", "そだい\x00ごみ", "そだいごみ"),
        ("catalog:procedure-list", "department", "seiso\x00", ""),
        ("catalog:procedure-list", "life_event", "\x00", ""),
        ("intelligence:help-search", "q", "引っ越し\x00", "引っ越し"),
        ("documents:document-verify", "code", "V-AB\x00CD-EFGH", "V-ABCD-EFGH"),
    ],
)
def test_a_residents_search_with_a_nul_answers_400_and_says_the_text_cannot_be_used(
    client: Client, catalog: None, url_name: str, param: str, typed: str, shown_again: str
) -> None:
    response = client.get(reverse(url_name), {param: typed})

    assert response.status_code == 400
    page = response.content.decode()
    assert CANNOT_BE_USED in page
    assert "\x00" not in page
    if shown_again:
        assert f'value="{shown_again}"' in page


def test_the_procedure_api_answers_400_for_a_nul(client: Client, catalog: None) -> None:
    for param in ("q", "department", "life_event"):
        response = client.get("/api/procedures", {param: "a\x00"})
        assert response.status_code == 400
        assert CANNOT_BE_USED in json.loads(response.content)["detail"]


def test_a_question_handed_to_the_inquiry_form_arrives_without_a_nul(client: Client, catalog: None) -> None:
    response = client.get(reverse("intelligence:inquiry-create"), {"text": "粗大\x00ごみ"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "粗大ごみ" in page and "\x00" not in page


@pytest.mark.parametrize(
    ("param", "said"),
    [("q", CANNOT_BE_USED), ("assignee", "一覧にある職員から選んでください。")],
)
def test_the_inbox_answers_400_for_a_nul_and_names_the_field(staff_client: Client, param: str, said: str) -> None:
    response = staff_client.get(reverse("cases:case-list"), {param: "2026\x00"})

    assert response.status_code == 400
    page = response.content.decode()
    assert said in page
    assert "\x00" not in page  # the box shows the rest of the text


@pytest.mark.parametrize("param", ["department", "procedure"])
def test_a_dashboard_answers_400_for_a_nul_in_its_filters(staff_client: Client, param: str) -> None:
    said = "課と手続は一覧から選んでください。"
    page = staff_client.get(reverse("analytics:dashboard-detail", args=["operations"]), {param: "seiso\x00"})
    data = staff_client.get(reverse("analytics:dashboard-export", args=["operations"]), {param: "seiso\x00"})
    listed = staff_client.get(reverse("analytics:case-list"), {param: "seiso\x00"})

    assert page.status_code == 400 and said in page.content.decode()
    assert data.status_code == 400 and json.loads(data.content)["error"] == said
    assert listed.status_code == 200 and said in listed.content.decode()  # the figures' cases, all of them
