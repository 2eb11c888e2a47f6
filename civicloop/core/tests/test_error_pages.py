# SPDX-License-Identifier: MPL-2.0
"""404 and 500 are real pages in Japanese and English with a way back, not Django's defaults (issue 11)."""

import pytest
from django.conf import settings as django_settings
from django.template.loader import get_template
from django.test import Client
from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db


def test_an_unknown_address_gets_a_japanese_404_page_with_a_link_home(client: Client, settings: Settings) -> None:
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in page
    assert 'href="/"' in page
    assert "/staff/inbox/" not in page.split('<main id="main"')[1], "the inbox link is only for staff paths"


def test_the_404_page_follows_the_language_switch(client: Client, settings: Settings) -> None:
    settings.DEBUG = False
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in page and "ページが見つかりません" not in page


def test_a_missing_staff_page_offers_the_way_back_to_the_inbox(client: Client, settings: Settings) -> None:
    settings.DEBUG = False
    response = client.get("/staff/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert 'href="/staff/inbox/"' in page.split('<main id="main"')[1]


def test_the_500_page_renders_without_any_context_and_speaks_both_languages() -> None:
    page = get_template("500.html").render()
    assert "エラーが発生しました" in page and "Sorry, something went wrong" in page
    assert 'href="/"' in page


def test_with_debug_on_an_unknown_address_still_gets_the_sites_404_page(client: Client, settings: Settings) -> None:
    # as under `make run` (CIVICLOOP_DEBUG=1): not Django's technical page listing the URL patterns
    settings.DEBUG = True
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in page and 'href="/"' in page
    assert "URLconf" not in page and "Using the URLconf" not in page


def test_with_debug_on_a_view_that_raises_not_found_gets_the_sites_404_page(client: Client, settings: Settings) -> None:
    settings.DEBUG = True
    response = client.get("/procedures/no-such-procedure/")  # the pattern matches; the view raises Http404
    page = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in page and "Raised by:" not in page


def test_the_technical_404_page_is_there_when_asked_for(client: Client, settings: Settings) -> None:
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_404 = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Using the URLconf" in response.content.decode()
