# SPDX-License-Identifier: MPL-2.0
"""A supplier's registration documents: checked by their bytes, refused with the reason, nothing lost."""

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.classification.policy import NotPermitted
from civicloop.core.models import AuditEntry
from civicloop.procurement import actions
from civicloop.procurement.models import SupplierDocument
from civicloop.procurement.tests.conftest import Cast
from civicloop.testing.pdfs import javascript_action, make_pdf, name

URL = reverse("procurement:document-new")
TITLE = "登記事項証明書（2026年11月発行）"


def upload(filename: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(filename, content, content_type=content_type)


def post(client: Client, file: SimpleUploadedFile) -> Any:
    return client.post(URL, {"title": TITLE, "file": file})


@pytest.fixture
def alpha(cast: Cast) -> Client:
    return sign_in_with_mfa(Client(), cast.alpha_user)


def test_a_pdf_is_stored_whole_and_listed_for_the_company_and_for_contracts(cast: Cast, alpha: Client) -> None:
    # given a one-page PDF
    content = make_pdf()
    # when alpha uploads it
    response = post(alpha, upload("touki.pdf", content))
    # then it is kept byte for byte, with its checked type, and the company and 契約課 see it listed
    assert response.status_code == 302
    document = SupplierDocument.objects.get()
    assert (document.supplier, document.title, document.original_name) == (cast.alpha, TITLE, "touki.pdf")
    assert (document.content_type, document.size) == ("application/pdf", len(content))
    with document.file.open("rb") as stored:
        assert stored.read() == content
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert AuditEntry.objects.filter(action="procurement.supplier_document_added").count() == 1
    assert TITLE in alpha.get(reverse("procurement:supplier-home")).content.decode()
    officer = sign_in_with_mfa(Client(), cast.officer)
    detail = officer.get(reverse("procurement:staff-supplier-detail", args=[cast.alpha.public_id]))
    assert TITLE in detail.content.decode()


def test_a_png_scan_is_accepted(alpha: Client) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
    assert post(alpha, upload("scan.png", png, "image/png")).status_code == 302
    assert SupplierDocument.objects.get().content_type == "image/png"


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (upload("empty.pdf", b""), "empty.pdf"),
        (upload("notes.pdf", b"just some text, not a PDF at all"), "notes.pdf"),
        (upload("macro.docx", b"PK\x03\x04" + b"\x00" * 64, "application/pdf"), "macro.docx"),
    ],
)
def test_an_empty_or_mistyped_file_is_refused_by_name_and_the_title_is_kept(
    alpha: Client, file: SimpleUploadedFile, message: str
) -> None:
    response = post(alpha, file)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert f'value="{TITLE}"' in page  # what was typed is still in the form
    assert not SupplierDocument.objects.exists()


def test_the_type_is_read_from_the_bytes_not_the_name(alpha: Client) -> None:
    page = post(alpha, upload("certificate.pdf", b"GIF89a" + b"\x00" * 64)).content.decode()
    assert "PDF / JPEG / PNG" in page
    assert not SupplierDocument.objects.exists()


def test_a_file_over_the_limit_is_refused_with_the_limit(alpha: Client, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 100
    response = post(alpha, upload("big.pdf", make_pdf() + b"\n" * 200))
    page = response.content.decode()
    assert response.status_code == 400
    assert "big.pdf" in page and "10 MB" in page
    assert not SupplierDocument.objects.exists()


def test_a_pdf_that_would_run_code_is_refused(alpha: Client) -> None:
    def add_script(b: Any) -> None:
        b.root[name("/OpenAction")] = b.add(javascript_action())

    response = post(alpha, upload("active.pdf", make_pdf(add_script)))
    assert response.status_code == 400
    assert not SupplierDocument.objects.exists()


def test_a_missing_file_is_asked_for(alpha: Client) -> None:
    response = alpha.post(URL, {"title": TITLE})
    assert response.status_code == 400
    assert f'value="{TITLE}"' in response.content.decode()


def test_a_company_cannot_add_a_document_to_another(cast: Cast) -> None:
    with pytest.raises(NotPermitted):
        actions.add_supplier_document(
            actor=cast.beta_user, supplier=cast.alpha, title="他社", upload=upload("a.pdf", make_pdf())
        )
    assert not SupplierDocument.objects.exists()


def test_staff_have_no_upload_page(cast: Cast) -> None:
    assert sign_in_with_mfa(Client(), cast.officer).get(URL).status_code == 404


def test_contracts_downloads_the_document_as_uploaded_and_nobody_else_on_the_staff_side(
    cast: Cast, alpha: Client
) -> None:
    # given alpha's uploaded certificate
    content = make_pdf()
    post(alpha, upload("touki.pdf", content))
    url = reverse("procurement:staff-supplier-document", args=[SupplierDocument.objects.get().public_id])
    # when 契約課, 清掃課's clerk and another company ask for it
    officer = sign_in_with_mfa(Client(), cast.officer).get(url)
    outsider = sign_in_with_mfa(Client(), cast.outsider).get(url)
    beta = sign_in_with_mfa(Client(), cast.beta_user).get(url)
    # then only 契約課 gets it, byte for byte, under its original name
    assert officer.status_code == 200
    assert b"".join(officer.streaming_content) == content  # type: ignore[attr-defined]
    assert "touki.pdf" in officer["Content-Disposition"]
    assert (outsider.status_code, beta.status_code) == (404, 404)
