# SPDX-License-Identifier: MPL-2.0
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.documents.models import IssuedDocument
from civicloop.documents.tests.conftest import RARE_NAME, pdf_bytes
from civicloop.documents.tests.test_signing import append_an_incremental_update, flip_a_content_byte

pytestmark = pytest.mark.django_db

AUTHENTIC_JA = "真正な文書です"
NOT_AUTHENTIC_JA = "改ざんされているか、本区が発行した文書ではありません"


def upload(client: Client, data: bytes, name: str = "notice.pdf") -> Any:
    return client.post(
        reverse("documents:document-verify"), {"document": SimpleUploadedFile(name, data, "application/pdf")}
    )


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_verification_page_needs_no_sign_in() -> None:
    response = Client().get(reverse("documents:document-verify"))
    assert response.status_code == 200


def test_a_verification_code_shows_the_status_without_personal_data(document: IssuedDocument) -> None:
    # given the code as a resident might type it: lower case, without the hyphens
    typed = document.verification_code.lower().replace("-", " ")
    response = Client().get(reverse("documents:document-verify"), {"code": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert document.title_ja in page  # what the document is, in words
    assert document.number not in page  # the department's filing number is for staff
    assert "決定通知書" in page or "Notice of decision" in page
    assert "清掃リサイクル課" in page
    assert RARE_NAME not in page
    assert "髙橋" not in page and "𠮷" not in page
    assert str(document.case.application.receipt_number) not in page


def test_an_unknown_code_says_so(document: IssuedDocument) -> None:
    page = english().get(reverse("documents:document-verify"), {"code": "V-0000-0000"}).content.decode()
    assert "No document has this verification code" in page
    assert document.number not in page


def test_an_issued_pdf_is_reported_authentic(document: IssuedDocument) -> None:
    page = upload(Client(), pdf_bytes(document)).content.decode()
    assert AUTHENTIC_JA in page
    assert NOT_AUTHENTIC_JA not in page
    assert document.title_ja in page and document.number not in page


def test_it_speaks_english_when_chosen(document: IssuedDocument) -> None:
    page = upload(english(), pdf_bytes(document)).content.decode()
    assert "This document is authentic" in page


@pytest.mark.parametrize("tamper", [flip_a_content_byte, append_an_incremental_update])
def test_a_tampered_pdf_is_reported_with_the_reason(document: IssuedDocument, tamper: Callable[[bytes], bytes]) -> None:
    response = upload(Client(), tamper(pdf_bytes(document)))
    page = response.content.decode()
    assert response.status_code == 200
    assert NOT_AUTHENTIC_JA in page
    assert AUTHENTIC_JA not in page.replace(NOT_AUTHENTIC_JA, "")
    assert document.number not in page  # nothing about the original leaks


def test_a_tampered_pdf_names_the_reason_in_english(document: IssuedDocument) -> None:
    page = upload(english(), append_an_incremental_update(pdf_bytes(document))).content.decode()
    assert "This document has been altered or was not issued by us" in page
    assert "Something was added to the file after it was signed." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"GIF89a not a pdf at all", "This file is not a PDF."),
        (b"%PDF-1.7\n" + b"x" * 200, "The file is larger than"),
    ],
)
def test_a_bad_upload_gets_a_clear_error(settings: object, data: bytes, message: str) -> None:
    settings.DOCUMENTS_VERIFY_MAX_BYTES = 100  # type: ignore[attr-defined]
    response = upload(english(), data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_no_file_at_all_gets_a_clear_error() -> None:
    response = english().post(reverse("documents:document-verify"), {})
    assert response.status_code == 400
    assert "Choose the PDF file to check." in response.content.decode()


def test_a_pdf_that_cannot_be_parsed_is_not_authentic_and_not_an_error() -> None:
    response = upload(english(), b"%PDF-1.7\n%garbage that is not a PDF body\n%%EOF\n")
    assert response.status_code == 200
    assert "could not be read as a PDF" in response.content.decode()


def download_url(document: IssuedDocument) -> str:
    return reverse("documents:document-download", args=[document.case.application.public_id, document.public_id])


def test_the_resident_downloads_their_document(
    document: IssuedDocument, applicant: User, login: Callable[[User], Client]
) -> None:
    response = login(applicant).get(download_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="decision_notice-{document.number}.pdf"' in disposition
    assert "filename*=UTF-8''" + quote(f"{document.title_ja}_{document.number}.pdf", safe="") in disposition
    disposition.encode("ascii")  # the header itself stays ASCII
    assert b"".join(response.streaming_content) == pdf_bytes(document)  # type: ignore[attr-defined]


def test_another_resident_gets_404(
    document: IssuedDocument, other_resident: User, login: Callable[[User], Client]
) -> None:
    assert login(other_resident).get(download_url(document)).status_code == 404


def test_an_anonymous_visitor_gets_404(document: IssuedDocument) -> None:
    assert Client().get(download_url(document)).status_code == 404


def test_a_document_under_another_application_id_is_404(
    document: IssuedDocument, applicant: User, login: Callable[[User], Client]
) -> None:
    url = reverse("documents:document-download", args=[document.public_id, document.public_id])
    assert login(applicant).get(url).status_code == 404


def test_staff_of_the_department_download_it(
    document: IssuedDocument, clerk: User, login: Callable[[User], Client]
) -> None:
    assert login(clerk).get(download_url(document)).status_code == 200


def test_staff_of_another_department_get_404(
    document: IssuedDocument, other_clerk: User, login: Callable[[User], Client]
) -> None:
    assert login(other_clerk).get(download_url(document)).status_code == 404


def test_the_resident_knows_a_document_by_its_title_and_date_not_its_filing_number(
    document: IssuedDocument, applicant: User, login: Callable[[User], Client], clerk: User
) -> None:
    application = document.case.application
    page = (
        login(applicant).get(reverse("applications:application-detail", args=[application.public_id])).content.decode()
    )
    assert document.title_ja in page and str(application.receipt_number) in page
    assert f"{document.issued_at.year}年" in page  # the date, written as every date is
    assert document.number not in page  # 2026-seiso-00001 means nothing to a resident
    staff_page = login(clerk).get(reverse("cases:case-detail", args=[document.case.public_id])).content.decode()
    assert document.number in staff_page  # staff file and quote it
