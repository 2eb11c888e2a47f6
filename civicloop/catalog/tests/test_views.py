# SPDX-License-Identifier: MPL-2.0
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.catalog.models import Procedure

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["そだいごみ", "ソダイゴミ", "ｿﾀﾞｲｺﾞﾐ", "粗大", "ごみ", "Bulky"])
def test_search_finds_bulky_waste_however_it_is_written(client: Client, catalog: None, query: str) -> None:
    response = client.get(reverse("catalog:procedure-list"), {"q": query})
    assert response.status_code == 200
    assert "粗大ごみ収集申込" in response.text


def test_search_with_no_match_says_so(client: Client, catalog: None) -> None:
    response = client.get(reverse("catalog:procedure-list"), {"q": "宇宙旅行"})
    assert "該当する手続きがありません" in response.text


def test_browsing_by_life_event_lists_the_bundle(client: Client, catalog: None) -> None:
    response = client.get(reverse("catalog:procedure-list"), {"life_event": "birth"})
    assert "児童手当 認定請求" in response.text
    assert "粗大ごみ収集申込" not in response.text


def test_browsing_by_department_lists_only_that_department(client: Client, catalog: None) -> None:
    response = client.get(reverse("catalog:procedure-list"), {"department": "seiso"})
    assert "粗大ごみ収集申込" in response.text
    assert "児童手当 認定請求" not in response.text


def test_the_home_page_is_japanese_first_even_for_an_english_browser(client: Client, catalog: None) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="ja">' in response.text
    assert "ライフイベントから探す" in response.text


def test_the_english_switch_changes_the_language(client: Client, catalog: None) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get("/")
    assert '<html lang="en">' in response.text
    assert "By life event" in response.text


def test_every_procedure_page_renders_in_both_languages(client: Client, catalog: None) -> None:
    for language in ("ja", "en"):
        client.post(reverse("set_language"), {"language": language, "next": "/"})
        for code in Procedure.objects.values_list("code", flat=True):
            response = client.get(reverse("catalog:procedure-detail", args=[code]))
            assert response.status_code == 200, code


def test_an_unknown_procedure_is_a_404(client: Client, catalog: None) -> None:
    assert client.get(reverse("catalog:procedure-detail", args=["no-such-thing"])).status_code == 404


@pytest.mark.parametrize(
    "query",
    [{"department": "no-such-department"}, {"life_event": "no-such-event"}, {"department": "seiso", "life_event": "x"}],
)
def test_a_list_filtered_by_something_not_in_the_catalogue_is_a_404(
    client: Client, catalog: None, query: dict[str, str]
) -> None:
    """Not 「すべての手続き」 with nothing under it: an old bookmark or a mistyped link is not found."""
    response = client.get(reverse("catalog:procedure-list"), query)
    assert response.status_code == 404
    assert "すべての手続き" not in response.text


def test_the_list_page_runs_a_bounded_number_of_queries(
    client: Client, catalog: None, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(8):
        client.get(reverse("catalog:procedure-list"))
