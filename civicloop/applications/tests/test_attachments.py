# SPDX-License-Identifier: MPL-2.0
"""Uploads: limits per procedure, type from content, a clear error per file, nothing lost."""

import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicloop.applications.models import Application, Attachment
from civicloop.testing.pdfs import javascript_action, make_pdf, name

pytestmark = pytest.mark.django_db


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00\xff\xff\xff"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# A real one-page PDF: uploaded PDFs are parsed (core/pdf.py), and one without a cross-reference
# table is refused as damaged.
TINY_PDF = make_pdf()


@pytest.fixture
def draft(resident_client: Client, catalog: None) -> Application:
    resident_client.post(reverse("applications:application-start", args=["jido-teate"]))
    return Application.objects.latest("created_at")


def _upload(client: Client, application: Application, name: str, content: bytes, kind: str = "bank_proof"):
    url = reverse("applications:attachment-list", args=[application.public_id])
    return client.post(url, {"kind": kind, "file": SimpleUploadedFile(name, content)})


def test_a_real_png_is_attached_with_its_detected_type(resident_client: Client, draft: Application) -> None:
    response = _upload(resident_client, draft, "通帳.png", tiny_png())
    assert response.status_code == 302
    attachment = Attachment.objects.get(application=draft)
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "通帳.png"
    assert "通帳" not in attachment.file.name  # stored under an opaque name


def test_a_pdf_is_accepted(resident_client: Client, draft: Application) -> None:
    assert _upload(resident_client, draft, "passbook.pdf", TINY_PDF).status_code == 302


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pdf", b"", "は空のファイルです"),
        ("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "ファイル名ではなく中身で確認"),
        ("page.png", b"<html><script>alert(1)</script></html>", "ファイル名ではなく中身で確認"),
        ("archive.jpg", b"PK\x03\x04" + b"\x00" * 100, "ファイル名ではなく中身で確認"),
    ],
)
def test_bad_files_get_a_clear_error_and_are_not_stored(
    resident_client: Client, draft: Application, name: str, content: bytes, message: str
) -> None:
    response = _upload(resident_client, draft, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert name in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_pdf_that_runs_javascript_when_opened_is_refused_and_says_why(
    resident_client: Client, draft: Application
) -> None:
    # given a PDF whose /OpenAction runs JavaScript, hidden in a compressed object stream
    def open_action(b: Any) -> None:
        b.root[name("/OpenAction")] = b.add(javascript_action())

    script = make_pdf(open_action, hidden=True)
    # when the resident attaches it
    response = _upload(resident_client, draft, "通帳.pdf", script)
    # then it is refused with the reason and what to do, and nothing is stored
    assert response.status_code == 400
    page = response.content.decode()
    assert "通帳.pdf" in page and "JavaScript" in page
    assert "印刷してスキャンするか、PDFを作り直してください" in page
    assert not Attachment.objects.exists()


def test_a_damaged_pdf_is_refused(resident_client: Client, draft: Application) -> None:
    response = _upload(resident_client, draft, "broken.pdf", b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n")
    assert response.status_code == 400
    assert "PDFとして読み取れなかった" in response.content.decode()
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused(resident_client: Client, draft: Application) -> None:
    big = TINY_PDF + b"0" * (10 * 1024 * 1024 + 1)
    response = _upload(resident_client, draft, "big.pdf", big)
    assert response.status_code == 400
    assert "10 MB を超えています" in response.content.decode()
    assert not Attachment.objects.exists()


def test_no_more_than_max_files_per_kind(resident_client: Client, draft: Application) -> None:
    for _ in range(2):
        assert _upload(resident_client, draft, "p.png", tiny_png()).status_code == 302
    response = _upload(resident_client, draft, "p.png", tiny_png())
    assert response.status_code == 400
    assert Attachment.objects.count() == 2


def test_an_unknown_attachment_kind_is_refused(resident_client: Client, draft: Application) -> None:
    response = _upload(resident_client, draft, "p.png", tiny_png(), kind="../../etc")
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_a_missing_required_attachment_blocks_submission(resident_client: Client, draft: Application) -> None:
    response = resident_client.post(
        reverse("applications:application-check", args=[draft.public_id]), {"declaration": "yes"}
    )
    assert "振込先口座が確認できる書類を添付してください" in response.content.decode()


def test_a_conditional_attachment_is_required_only_when_its_condition_holds(
    resident_client: Client, draft: Application
) -> None:
    step = reverse("applications:step-edit", args=[draft.public_id, "children"])
    resident_client.post(step, {"has_child_apart": "no"})
    page = resident_client.get(reverse("applications:attachment-list", args=[draft.public_id])).content.decode()
    assert "別居監護申立書" not in page
    resident_client.post(step, {"has_child_apart": "yes"})
    page = resident_client.get(reverse("applications:attachment-list", args=[draft.public_id])).content.decode()
    assert "別居監護申立書" in page


def test_removing_an_attachment_deletes_the_file(resident_client: Client, draft: Application) -> None:
    _upload(resident_client, draft, "p.png", tiny_png())
    attachment = Attachment.objects.get()
    storage, name = attachment.file.storage, attachment.file.name
    url = reverse("applications:attachment-delete", args=[draft.public_id, attachment.public_id])
    assert resident_client.post(url).status_code == 302
    assert not Attachment.objects.exists()
    assert not storage.exists(name)


def test_the_owner_downloads_the_file_unchanged(resident_client: Client, draft: Application) -> None:
    png = tiny_png()
    _upload(resident_client, draft, "p.png", png)
    attachment = Attachment.objects.get()
    response = resident_client.get(reverse("applications:attachment-download", args=[attachment.public_id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png
    assert response["Cache-Control"] == "private, no-store"
