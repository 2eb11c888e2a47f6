# SPDX-License-Identifier: MPL-2.0
"""The page frame's addresses, worked out once per process, are still the ones Django would give."""

import pytest
from django.template import Context, Template
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import reverse

from civicloop.core.site_urls import fixed_static, fixed_url


def test_a_fixed_url_is_what_reverse_gives() -> None:
    for name in ("catalog:home", "catalog:procedure-list", "accounts:logout", "set_language"):
        assert fixed_url(name) == reverse(name)


def test_a_fixed_static_address_is_what_static_gives() -> None:
    assert fixed_static("css/civicloop.css") == static("css/civicloop.css")


def test_a_changed_setting_is_followed() -> None:
    before = fixed_static("css/civicloop.css")
    with override_settings(STATIC_URL="/elsewhere/"):
        assert fixed_static("css/civicloop.css") == static("css/civicloop.css") != before
    assert fixed_static("css/civicloop.css") == before


def test_the_tags_escape_as_url_and_static_do() -> None:
    rendered = Template("{% load site_urls %}{% site_url 'catalog:home' %} {% site_static 'a&b.css' %}").render(
        Context()
    )
    assert rendered == f"{reverse('catalog:home')} {static('a&b.css').replace('&', '&amp;')}"


@pytest.mark.django_db
def test_every_page_still_links_the_frame(client: Client) -> None:
    page = client.get(reverse("catalog:home")).content.decode()
    for address in (reverse("catalog:procedure-list"), reverse("accounts:login"), static("js/civicloop.js")):
        assert f'"{address}"' in page
