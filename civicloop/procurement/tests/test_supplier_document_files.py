# SPDX-License-Identifier: MPL-2.0
"""A company downloads its own registration documents and deletes one until 契約課 has reviewed it.

Another company, a resident and someone signed out get nothing and delete nothing; a deletion is
audited with the file's SHA-256; a reviewed document is kept, whoever asks.
"""

import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.classification.policy import NotPermitted
from civicloop.core.models import AuditEntry, Event
from civicloop.procurement import actions
from civicloop.procurement.errors import DocumentReviewed
from civicloop.procurement.models import SupplierDocument
from civicloop.procurement.tests.conftest import Cast
from civicloop.testing.factories import ResidentFactory
from civicloop.testing.pdfs import make_pdf

CONTENT = make_pdf()


@pytest.fixture
def document(cast: Cast) -> SupplierDocument:
    """alpha's 登記事項証明書, not yet reviewed by 契約課."""
    return actions.add_supplier_document(
        actor=cast.alpha_user,
        supplier=cast.alpha,
        title="登記事項証明書",
        upload=SimpleUploadedFile("touki.pdf", CONTENT, content_type="application/pdf"),
    )


def is_stored(document: SupplierDocument, name: str | None = None) -> bool:
    name = name or document.file.name
    assert name
    return document.file.storage.exists(name)


def download_url(document: SupplierDocument) -> str:
    return reverse("procurement:document-download", args=[document.public_id])


def delete_url(document: SupplierDocument) -> str:
    return reverse("procurement:document-delete", args=[document.public_id])


def review(cast: Cast) -> None:
    """契約課 decides on a qualification alpha sent after the upload."""
    qualification = actions.add_qualification(
        actor=cast.alpha_user,
        supplier=cast.alpha,
        categories=["software"],
        grade="A",
        valid_from=date.today(),
        valid_until=date.today() + timedelta(days=365),
    )
    actions.verify(actor=cast.officer, subject=qualification, decision="approved")


def test_the_company_downloads_its_document_as_uploaded_and_never_rendered_in_the_browser(
    cast: Cast, document: SupplierDocument
) -> None:
    response = sign_in_with_mfa(Client(), cast.alpha_user).get(download_url(document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "touki.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_its_page_links_each_document_and_offers_deletion_until_it_is_reviewed(
    cast: Cast, document: SupplierDocument
) -> None:
    client = sign_in_with_mfa(Client(), cast.alpha_user)
    page = client.get(reverse("procurement:supplier-home")).content.decode()
    assert f'href="{download_url(document)}"' in page and f'action="{delete_url(document)}"' in page
    review(cast)
    page = client.get(reverse("procurement:supplier-home")).content.decode()
    assert f'href="{download_url(document)}"' in page and f'action="{delete_url(document)}"' not in page


@pytest.mark.parametrize("who", ["beta", "resident", "officer"])
def test_nobody_else_downloads_or_deletes_it_through_the_company_pages(
    cast: Cast, document: SupplierDocument, who: str
) -> None:
    # given another company, a resident, and 契約課 (which has its own download, not the company's pages)
    client = Client()
    if who == "resident":
        client.force_login(ResidentFactory.create())
    else:
        sign_in_with_mfa(client, cast.beta_user if who == "beta" else cast.officer)
    # when they ask for alpha's document and post its deletion
    # then both are not found and the document is whole
    assert client.get(download_url(document)).status_code == 404
    assert client.post(delete_url(document)).status_code == 404
    assert SupplierDocument.objects.filter(pk=document.pk).exists() and is_stored(document)


def test_someone_signed_out_is_sent_to_sign_in_and_deletes_nothing(document: SupplierDocument) -> None:
    for response in (Client().get(download_url(document)), Client().post(delete_url(document))):
        assert response.status_code == 302 and "login" in response["Location"]
    assert SupplierDocument.objects.filter(pk=document.pk).exists()


def test_the_company_deletes_an_unreviewed_document_and_the_audit_keeps_its_hash(
    cast: Cast, document: SupplierDocument, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # given the stored file
    stored = document.file.name
    assert is_stored(document, stored)
    # when alpha deletes it from its page
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in_with_mfa(Client(), cast.alpha_user).post(delete_url(document), follow=True)
    # then the record and the file are gone, and the audit entry says what the file was
    assert response.status_code == 200
    assert not SupplierDocument.objects.filter(pk=document.pk).exists()
    assert not is_stored(document, stored)
    entry = AuditEntry.objects.get(action="procurement.supplier_document_deleted")
    assert entry.object_id == str(document.public_id)
    assert entry.data["sha256"] == hashlib.sha256(CONTENT).hexdigest()
    assert (entry.data["title"], entry.data["original_name"]) == ("登記事項証明書", "touki.pdf")
    event = Event.objects.get(type__endswith=".procurement.supplier_document_deleted")
    assert "登記事項証明書" not in str(event.data)  # events carry no free text


def test_a_reviewed_document_is_kept_and_the_company_is_told_why(
    cast: Cast, document: SupplierDocument, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # given 契約課's decision after the upload
    review(cast)
    # when alpha deletes the document all the same, through the page and the action
    with django_capture_on_commit_callbacks(execute=True):
        page = sign_in_with_mfa(Client(), cast.alpha_user).post(delete_url(document), follow=True).content.decode()
    with pytest.raises(DocumentReviewed):
        actions.delete_supplier_document(actor=cast.alpha_user, document=document)
    # then it is kept, file and all, unaudited, and the page says why
    assert "登記事項証明書" in page and ("契約課 has reviewed" in page or "確認済み" in page)
    assert SupplierDocument.objects.filter(pk=document.pk).exists() and is_stored(document)
    assert not AuditEntry.objects.filter(action="procurement.supplier_document_deleted").exists()


def test_a_document_uploaded_after_the_review_may_be_deleted(cast: Cast) -> None:
    review(cast)
    later = actions.add_supplier_document(
        actor=cast.alpha_user,
        supplier=cast.alpha,
        title="納税証明書",
        upload=SimpleUploadedFile("nozei.pdf", CONTENT, content_type="application/pdf"),
    )
    actions.delete_supplier_document(actor=cast.alpha_user, document=later)
    assert not SupplierDocument.objects.filter(pk=later.pk).exists()


@pytest.mark.parametrize("who", ["beta_user", "officer", "admin"])
def test_neither_another_company_nor_staff_may_delete_a_company_s_document(
    cast: Cast, document: SupplierDocument, who: str
) -> None:
    with pytest.raises(NotPermitted):
        actions.delete_supplier_document(actor=getattr(cast, who), document=document)
    assert SupplierDocument.objects.filter(pk=document.pk).exists()
