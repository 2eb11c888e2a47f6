# SPDX-License-Identifier: MPL-2.0
"""Signed result PDFs in an S3 bucket (moto's server): stored once, streamed intact, swept when orphaned."""

import hashlib
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.core.storage import FilesAreNotServedByUrl
from civicloop.documents import verification, worker
from civicloop.documents.models import IssuedDocument
from civicloop.testing.s3_server import S3Bucket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def isolated_files(demo_signing: Path, s3_storage: S3Bucket) -> Path:
    """Signed with the demo CA (conftest.py), but stored in the bucket instead of a folder."""
    return demo_signing


def download_url(document: IssuedDocument) -> str:
    return reverse("documents:document-download", args=[document.case.application.public_id, document.public_id])


def test_the_signed_pdf_is_one_encrypted_object_named_by_the_documents_uuid(
    document: IssuedDocument, s3_storage: S3Bucket, isolated_files: Path
) -> None:
    key = f"documents/{document.public_id}.pdf"
    assert document.file.name == key
    assert s3_storage.keys() == [key]
    stored = s3_storage.read(key)
    assert hashlib.sha256(stored).hexdigest() == document.sha256
    assert len(stored) == document.size
    assert s3_storage.object(key)["ServerSideEncryption"] == "AES256"
    assert not (isolated_files / "documents").exists()  # nothing went to the local folder


def test_the_resident_downloads_it_intact_and_it_verifies(
    document: IssuedDocument, applicant: User, login: Callable[[User], Client], s3_storage: S3Bucket
) -> None:
    response = login(applicant).get(download_url(document))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert data == s3_storage.read(f"documents/{document.public_id}.pdf")
    result = verification.verify_pdf(data)
    assert result.authentic and result.document == document


def test_staff_of_another_department_get_404(
    document: IssuedDocument, other_clerk: User, login: Callable[[User], Client]
) -> None:
    response = login(other_clerk).get(download_url(document))
    assert response.status_code == 404
    assert b"%PDF" not in response.content


def test_no_url_is_ever_handed_out_for_a_stored_file(document: IssuedDocument) -> None:
    with pytest.raises(FilesAreNotServedByUrl):
        default_storage.url(document.file.name)
    with pytest.raises(FilesAreNotServedByUrl):
        _ = document.file.url


def test_the_sweep_removes_old_objects_no_row_refers_to_and_keeps_the_rest(
    document: IssuedDocument, s3_storage: S3Bucket
) -> None:
    # given an orphan (its transaction rolled back) and a file that is not ours, beside the document
    orphan = f"documents/{uuid.uuid4()}.pdf"
    for key in (orphan, "documents/README.txt"):
        s3_storage.client.put_object(Bucket=s3_storage.name, Key=key, Body=b"%PDF-1.7")
    # when the sweep runs two hours later (objects' times are the server's, so move "now" instead)
    removed = worker.sweep_orphans(now=timezone.now() + timedelta(hours=2))
    # then
    assert removed == 1
    assert s3_storage.keys() == sorted(["documents/README.txt", f"documents/{document.public_id}.pdf"])


def test_a_young_orphan_is_left_alone(s3_storage: S3Bucket) -> None:
    s3_storage.client.put_object(Bucket=s3_storage.name, Key=f"documents/{uuid.uuid4()}.pdf", Body=b"%PDF-1.7")
    assert worker.sweep_orphans() == 0
    assert len(s3_storage.keys("documents/")) == 1
