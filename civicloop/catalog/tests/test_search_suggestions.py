# SPDX-License-Identifier: MPL-2.0
"""A search that finds nothing offers 「もしかして」 and a way on: help and the inquiry form (issue 11)."""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _search(client: Client, query: str) -> str:
    return client.get(reverse("catalog:procedure-list"), {"q": query}).content.decode()


def test_a_common_misspelling_suggests_the_right_word_that_finds_the_procedure(client: Client, catalog: None) -> None:
    html = _search(client, "住民表")
    assert "もしかして：" in html
    assert '<a href="?q=%E4%BD%8F%E6%B0%91%E7%A5%A8">住民票</a>' in html
    assert "住民票の写し交付請求" in _search(client, "住民票")


def test_a_misspelling_inside_a_longer_query_is_corrected_in_place(client: Client, catalog: None) -> None:
    assert ">住民票の写し</a>" in _search(client, "住民表の写し")


def test_a_slip_not_in_the_table_is_caught_by_edit_distance(client: Client, catalog: None) -> None:
    assert ">粗大ごみ</a>" in _search(client, "粗大ごめ")


def test_the_english_page_says_did_you_mean(client: Client, catalog: None) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = _search(client, "pregnacy")
    assert 'Did you mean: <a href="?q=Pregnancy">Pregnancy</a>?' in html
    assert "Look for answers in help" in html


def test_an_empty_result_links_help_and_the_inquiry_form_with_the_query(client: Client, catalog: None) -> None:
    html = _search(client, "宇宙旅行")
    assert "もしかして" not in html
    assert 'href="/help/?q=%E5%AE%87%E5%AE%99%E6%97%85%E8%A1%8C"' in html
    assert 'href="/inquiries/new/?text=%E5%AE%87%E5%AE%99%E6%97%85%E8%A1%8C"' in html


def test_a_search_that_finds_something_offers_no_suggestion(client: Client, catalog: None) -> None:
    html = _search(client, "住民票")
    assert "もしかして" not in html
    assert "/inquiries/new/?text=" not in html


def test_a_misspelling_that_would_find_the_procedure_anyway_is_refused_at_load(tmp_path: Path) -> None:
    import shutil

    from django.conf import settings

    from civicloop.catalog.loader import CatalogError, read_catalog

    target = tmp_path / "procedures"
    shutil.copytree(settings.PROCEDURES_DIR, target)
    path = target / "juminhyo.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("[住民表,", "[住民票の写し, 住民表,"), encoding="utf-8")
    with pytest.raises(CatalogError, match="'住民票の写し' already finds this procedure"):
        read_catalog(target)
