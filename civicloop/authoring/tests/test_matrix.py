# SPDX-License-Identifier: MPL-2.0
"""Every read path of a co-edited document against the one policy: clearance × device × need-to-know.

The read paths are the list (`visible_to`), the editor page, the versions page with its diff, the
admin's change page and the comments; the websocket's connection asks the same access helper
(test_consumer.py), and the PDF export (slow to render 48 times) has its own allowed and refused
tests (test_export.py). Each must agree with an oracle written from the rules in words.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring import actions
from civicloop.authoring.models import Document
from civicloop.authoring.tests.conftest import MANAGED, write
from civicloop.classification.policy import Context, DeviceTrust

pytestmark = pytest.mark.django_db

CEILING = {"unknown": 0, "byod": 1, "managed": 2}
RANK = {"OFFICIAL": 0, "SECRET": 1}


def _oracle(*, clearance: str, device: str, department: str, reviewer: bool, tier: str) -> bool:
    """Cleared for the tier, on a device that may show it, and in the department or asked to review."""
    return RANK[clearance] >= RANK[tier] and CEILING[device] >= RANK[tier] and (department == "seiso" or reviewer)


@pytest.fixture
def device_header(settings: Any) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "civicloop.classification.tests.conftest.DeviceHeaderMiddleware"]


def _document(tier: str, make_clerk: Callable[..., User]) -> tuple[Document, User]:
    owner = make_clerk(clearance="SECRET", username=f"owner-{tier.lower()}")
    document = actions.create_document(
        title=f"{tier} 報告書",
        kind=Document.Kind.REPORT,
        classification=tier,
        department=Department.objects.get(code="seiso"),
        created_by=owner,
        context=MANAGED,
    )
    write(document, owner, "本文の一行目")
    actions.create_version(document=document, created_by=owner, context=MANAGED)
    write(document, owner, "本文の二行目")
    actions.create_version(document=document, created_by=owner, context=MANAGED)
    return document, owner


@pytest.mark.usefixtures("device_header")
@pytest.mark.parametrize("tier", ["OFFICIAL", "SECRET"])
def test_every_read_path_agrees_with_the_rules(make_clerk: Callable[..., User], tier: str) -> None:
    # given a document with two versions, and people of every clearance and department, some reviewers
    document, owner = _document(tier, make_clerk)
    people = []
    for clearance in RANK:
        for department in ("seiso", "kosodate_kyufu"):
            for reviewer in (False, True):
                person = make_clerk(
                    department=department,
                    clearance=clearance,
                    username=f"{clearance}-{department}-{reviewer}".lower(),
                    superuser=True,
                )
                people.append((person, clearance, department, reviewer))
    cleared_reviewers = [p for p, clearance, _d, reviewer in people if reviewer and RANK[clearance] >= RANK[tier]]
    if cleared_reviewers:
        actions.request_review(
            version=document.versions.get(number=2), reviewers=cleared_reviewers, requested_by=owner, context=MANAGED
        )
    # when each reads each path from each device, then the answer is the oracle's
    wrong = []
    for person, clearance, department, reviewer in people:
        client = sign_in_with_mfa(Client(), person)
        for device in CEILING:
            expected = _oracle(
                clearance=clearance,
                device=device,
                department=department,
                reviewer=reviewer and RANK[clearance] >= RANK[tier],
                tier=tier,
            )
            listed = Document.objects.visible_to(person, Context(device_trust=DeviceTrust(device))).filter(
                pk=document.pk
            )
            answers = {"list": listed.exists()}
            for name, path in {
                "page": f"/staff/documents/{document.public_id}/",
                "versions": f"/staff/documents/{document.public_id}/versions/?a=1&b=2",
                "admin": f"/admin/authoring/document/{document.pk}/change/",
                "comments": f"/staff/documents/{document.public_id}/comments.json",
            }.items():
                response = client.get(path, headers={"X-Test-Device-Trust": device})
                answers[name] = response.status_code == 200
            wrong += [(person.username, device, path, got) for path, got in answers.items() if got != expected]
    assert wrong == []


def test_the_versions_page_shows_the_difference_between_two_versions(
    author: User, draft: Document, colleague: User
) -> None:
    write(draft, author, "収集は週一回とする。")
    actions.create_version(document=draft, created_by=author, context=MANAGED)
    write(draft, author, "ただし年末は臨時収集を行う。")
    actions.create_version(document=draft, created_by=author, context=MANAGED)

    page = sign_in_with_mfa(Client(), colleague).get(f"/staff/documents/{draft.public_id}/versions/?a=1&b=2")

    html = page.content.decode()
    assert page.status_code == 200
    assert '<span class="diff_add">ただし年末は臨時収集を行う。</span>' in html
    assert 'href="#difflib_chg' not in html  # the navigation column is gone


def test_a_clerk_creates_a_document_from_the_list_page(author: User) -> None:
    client = sign_in_with_mfa(Client(), author)
    department = Department.objects.get(code="seiso")

    response = client.post(
        "/staff/documents/",
        {"title": "議事録 12月5日", "kind": "minutes", "classification": "OFFICIAL", "department": department.pk},
    )

    document = Document.objects.get(title="議事録 12月5日")
    assert response.status_code == 302 and response["Location"] == f"/staff/documents/{document.public_id}/"
