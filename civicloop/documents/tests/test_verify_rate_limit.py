# SPDX-License-Identifier: MPL-2.0
"""/verify/ is public and each check costs the server a lookup or a signature validation: uploads and
code lookups are limited per address, with a 429 page in the visitor's language; the page itself is not."""

import time
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

WINDOW_S = 600


@pytest.fixture
def three_checks(settings: Any) -> None:
    settings.VERIFY_RATE_LIMIT = 3
    settings.PUBLIC_RATE_WINDOW_S = WINDOW_S
    left = WINDOW_S - time.time() % WINDOW_S  # a window turning over mid-test would give a second allowance
    if left < 5:
        time.sleep(left + 0.1)


def _from(address: str, language: str = "ja") -> Client:
    client = Client(REMOTE_ADDR=address)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _upload(client: Client) -> Any:
    pdf = SimpleUploadedFile("notice.pdf", b"%PDF-1.7\n%not really a PDF\n%%EOF\n", "application/pdf")
    return client.post(reverse("documents:document-verify"), {"document": pdf})


def test_checks_beyond_the_limit_get_a_429_page_and_the_page_itself_stays_open(three_checks: None) -> None:
    # given a visitor who has looked up two codes and uploaded one file
    visitor = _from("198.51.100.60")
    assert visitor.get(reverse("documents:document-verify"), {"code": "V-0000-0001"}).status_code == 200
    assert visitor.get(reverse("documents:document-verify"), {"code": "V-0000-0002"}).status_code == 200
    assert _upload(visitor).status_code == 200
    # when they look up another code, or upload another file
    refused = visitor.get(reverse("documents:document-verify"), {"code": "V-0000-0003"})
    # then both are refused, in Japanese, saying when to come back
    assert refused.status_code == 429
    assert "短時間にリクエストが多すぎます" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= WINDOW_S
    assert _upload(visitor).status_code == 429
    # and the page without a check still opens
    assert visitor.get(reverse("documents:document-verify")).status_code == 200


def test_the_429_page_speaks_english_when_chosen(three_checks: None) -> None:
    visitor = _from("198.51.100.61", "en")
    for n in range(3):
        visitor.get(reverse("documents:document-verify"), {"code": f"V-0000-000{n}"})
    refused = visitor.get(reverse("documents:document-verify"), {"code": "V-0000-0009"})
    assert refused.status_code == 429
    assert "Too many requests in a short time" in refused.content.decode()


def test_each_address_has_its_own_allowance(three_checks: None) -> None:
    for n in range(4):
        _from("198.51.100.62").get(reverse("documents:document-verify"), {"code": f"V-0000-000{n}"})
    assert _from("198.51.100.63").get(reverse("documents:document-verify"), {"code": "V-0000-0001"}).status_code == 200
