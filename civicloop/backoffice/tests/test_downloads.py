# SPDX-License-Identifier: MPL-2.0
"""Downloading a case's signed result and attachments through the API: the pages' policy, audited."""

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.applications.models import Attachment
from civicloop.backoffice.tests.conftest import TokenFor, bearer
from civicloop.cases.models import Case
from civicloop.core.models import AuditEntry
from civicloop.documents.issue import issue_document
from civicloop.documents.models import IssuedDocument

pytestmark = pytest.mark.django_db
API = "/api/v1/backoffice"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def document(demo_signing: Path, case: Case, clerk: User) -> IssuedDocument:
    """The signed 決定通知書 of the seiso case."""
    return issue_document(case, kind="decision_notice", issued_by=clerk, outcome="approve")


@pytest.fixture
def attachment(demo_signing: Path, case: Case) -> Attachment:
    return Attachment.objects.create(
        application=case.application,
        kind="item_photo",
        file=ContentFile(PNG, name="photo.png"),
        original_name="ソファの写真.png",
        content_type="image/png",
        size=len(PNG),
        sha256=hashlib.sha256(PNG).hexdigest(),
    )


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_a_client_downloads_the_signed_pdf_as_issued_and_it_is_audited(
    token_for: TokenFor, document: IssuedDocument
) -> None:
    # given
    token = token_for(scopes=["cases:read"])
    # when
    response = Client().get(f"{API}/documents/{document.public_id}/file", **bearer(token))
    # then
    data = body(response)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == document.sha256
    assert (
        response["Content-Disposition"].startswith("attachment;") and response["Cache-Control"] == "private, no-store"
    )
    entry = AuditEntry.objects.get(action="api.download", object_id=str(document.public_id))
    assert entry.data["sha256"] == document.sha256 and entry.data["client"]


def test_a_secret_pdf_needs_the_clearance_and_both_decisions_are_audited(
    token_for: TokenFor, document: IssuedDocument
) -> None:
    IssuedDocument.objects.filter(pk=document.pk).update(classification="SECRET")
    refused = Client().get(f"{API}/documents/{document.public_id}/file", **bearer(token_for(clearance="OFFICIAL")))
    allowed = Client().get(f"{API}/documents/{document.public_id}/file", **bearer(token_for(clearance="SECRET")))
    assert refused.status_code == 404 and b"%PDF" not in refused.content
    assert allowed.status_code == 200 and body(allowed).startswith(b"%PDF")
    actions = set(AuditEntry.objects.filter(object_id=str(document.public_id)).values_list("action", flat=True))
    assert {"access.api", "access.download", "api.download"} <= actions


def test_staff_on_an_unregistered_device_get_a_secret_pdf_neither_here_nor_on_the_page(
    document: IssuedDocument, make_clerk: Any
) -> None:
    # The device ceiling of the handling table: an unknown device opens OFFICIAL only, on both paths.
    browser = sign_in_with_mfa(Client(), make_clerk("seiso", clearance="SECRET"))
    page_url = f"/applications/{document.case.application.public_id}/documents/{document.public_id}/"
    api_url = f"{API}/documents/{document.public_id}/file"
    assert browser.get(page_url).status_code == browser.get(api_url).status_code == 200
    IssuedDocument.objects.filter(pk=document.pk).update(classification="SECRET")
    assert browser.get(page_url).status_code == browser.get(api_url).status_code == 404


def test_another_departments_client_gets_404(token_for: TokenFor, document: IssuedDocument) -> None:
    token = token_for(departments=("kosodate_kyufu",), clearance="SECRET")
    assert Client().get(f"{API}/documents/{document.public_id}/file", **bearer(token)).status_code == 404


def test_a_client_lists_and_downloads_an_attachment_with_its_content_type(
    token_for: TokenFor, attachment: Attachment, case: Case
) -> None:
    token = token_for(scopes=["cases:read"])
    listed = Client().get(f"{API}/cases/{case.public_id}/attachments", **bearer(token))
    response = Client().get(f"{API}/attachments/{attachment.public_id}/file", **bearer(token))
    assert [row["id"] for row in listed.json()] == [str(attachment.public_id)]
    assert response.status_code == 200 and response["Content-Type"] == "image/png" and body(response) == PNG
    assert AuditEntry.objects.filter(action="api.download", object_id=str(attachment.public_id)).exists()


def test_a_secret_attachment_is_neither_listed_nor_sent_to_a_client_without_clearance(
    token_for: TokenFor, attachment: Attachment, case: Case
) -> None:
    Attachment.objects.filter(pk=attachment.pk).update(classification="SECRET")
    token = token_for(clearance="OFFICIAL")
    listed = Client().get(f"{API}/cases/{case.public_id}/attachments", **bearer(token))
    response = Client().get(f"{API}/attachments/{attachment.public_id}/file", **bearer(token))
    assert listed.json() == [] and response.status_code == 404
    assert not AuditEntry.objects.filter(action="api.download").exists()


def test_a_token_without_cases_read_gets_no_file(token_for: TokenFor, document: IssuedDocument) -> None:
    token = token_for(scopes=["cases:write"])
    response = Client().get(f"{API}/documents/{document.public_id}/file", **bearer(token))
    assert response.status_code == 403 and b"%PDF" not in response.content
