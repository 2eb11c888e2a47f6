# SPDX-License-Identifier: MPL-2.0
"""What a resident reads, page by page, in both languages (issue 11).

No classification (「一般（OFFICIAL）として扱われます」), no internal document numbers
(2026-seiso-00001), サインイン and never ログイン, one date style (2026年12月16日 /
16 December 2026), full-width colons after Japanese text.
"""

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications import actions as application_actions
from civicloop.applications.models import Application
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.classification import family
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.documents.issue import issue_document

pytestmark = pytest.mark.django_db

FORBIDDEN = {
    "classification": re.compile(r"OFFICIAL|SECRET|一般（|秘（|極秘|機密区分|として扱われます"),
    "ログイン": re.compile("ログイン"),
    "an internal document number": re.compile(r"\b\d{4}-[a-z_]+-\d{5}\b"),
    "an ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "a half-width colon after Japanese": re.compile(r"[^\x00-\x7f] ?:(?!//)"),
}


def visible_text(html: str) -> str:
    """The text a reader sees: no scripts, styles, tags or attribute values."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]+>", " ", html))


@pytest.fixture
def secret_application(resident: User, sodai_gomi: Procedure, clerk: User) -> Application:
    """A submitted bulky-waste application, raised to SECRET, with a signed result document."""
    application, _created = application_actions.submit_from_api(
        user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="wording-1"
    )
    case = Case.objects.get(application=application)
    with transaction.atomic():
        family.relabel_family(case, new="SECRET")
    issue_document(Case.objects.get(pk=case.pk), kind="decision_notice", issued_by=clerk, outcome="approve")
    return Application.objects.get(pk=application.pk)


def resident_pages(application: Application) -> Iterator[str]:
    yield reverse("catalog:home")
    yield reverse("catalog:procedure-list")
    yield reverse("catalog:procedure-detail", args=["sodai-gomi"])
    yield reverse("catalog:procedure-detail", args=["doro-sonsho"])
    yield reverse("accounts:login")
    yield reverse("applications:application-list")
    yield reverse("applications:application-detail", args=[application.public_id])
    yield reverse("intelligence:help-search") + "?q=粗大ごみ"
    yield reverse("intelligence:inquiry-list")
    yield reverse("notifications:notice-list")
    yield reverse("documents:document-verify")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_resident_pages_show_no_classification_internal_numbers_or_library_wording(
    resident: User, secret_application: Application, language: str
) -> None:
    # given the resident, signed in, in one of the two languages
    client = Client()
    client.force_login(resident)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    # when they read each of their pages
    problems = []
    for path in resident_pages(secret_application):
        response = client.get(path)
        assert response.status_code == 200, path
        text = visible_text(response.content.decode())
        problems += [
            f"{path}: {what}: {m.group(0)!r}" for what, rx in FORBIDDEN.items() for m in [rx.search(text)] if m
        ]
    # then none of them shows what is not theirs to read, or reads in another voice
    assert not problems, "\n".join(problems)


def test_dates_read_as_2026年12月16日_in_japanese_and_16_december_2026_in_english(
    resident: User, secret_application: Application
) -> None:
    client = Client()
    client.force_login(resident)
    url = reverse("applications:application-detail", args=[secret_application.public_id])
    submitted = secret_application.submitted_at
    assert submitted is not None
    day = timezone.localtime(submitted)
    japanese = visible_text(client.get(url).content.decode())
    assert f"{day.year}年{day.month}月{day.day}日" in japanese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = visible_text(client.get(url).content.decode())
    assert f"{day.day} {day.strftime('%B')} {day.year}" in english
