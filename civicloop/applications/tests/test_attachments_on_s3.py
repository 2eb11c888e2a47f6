# SPDX-License-Identifier: MPL-2.0
"""Attachments in an S3 bucket (moto's server): uploaded by the resident's own pages, streamed back by the app."""

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.applications.models import Application, Attachment
from civicloop.applications.tests.test_attachments import tiny_png
from civicloop.testing.s3_server import S3Bucket

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachment(resident_client: Client, catalog: None, s3_storage: S3Bucket) -> Attachment:
    """A PNG on a draft, uploaded through the attachments page as the resident's browser sends it."""
    resident_client.post(reverse("applications:application-start", args=["jido-teate"]))
    draft = Application.objects.latest("created_at")
    url = reverse("applications:attachment-list", args=[draft.public_id])
    response = resident_client.post(url, {"kind": "bank_proof", "file": SimpleUploadedFile("通帳.png", tiny_png())})
    assert response.status_code == 302
    return Attachment.objects.get(application=draft)


@pytest.fixture
def outsider_client(other_resident: User) -> Client:
    client = Client()
    client.force_login(other_resident)
    return client


def download(client: Client, attachment: Attachment) -> Any:
    return client.get(reverse("applications:attachment-download", args=[attachment.public_id]))


def test_an_uploaded_file_is_an_encrypted_object_under_an_opaque_key(
    attachment: Attachment, s3_storage: S3Bucket
) -> None:
    key = f"attachments/{attachment.application.public_id}/{attachment.public_id}"
    assert s3_storage.keys() == [key]
    assert attachment.file.name == key  # the resident's file name is in the row only, never in the key
    assert s3_storage.read(key) == tiny_png()
    assert hashlib.sha256(s3_storage.read(key)).hexdigest() == attachment.sha256
    assert s3_storage.object(key)["ServerSideEncryption"] == "AES256"


def test_the_resident_gets_their_file_back_byte_for_byte(resident_client: Client, attachment: Attachment) -> None:
    response = download(resident_client, attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == tiny_png()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Length"] == str(len(tiny_png()))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"


def test_another_resident_and_a_visitor_get_nothing(
    outsider_client: Client, client: Client, attachment: Attachment
) -> None:
    refused = download(outsider_client, attachment)
    assert refused.status_code == 404
    assert tiny_png() not in refused.content
    assert download(client, attachment).status_code in {302, 404}


def test_removing_it_from_the_draft_deletes_the_object(
    resident_client: Client, attachment: Attachment, s3_storage: S3Bucket
) -> None:
    url = reverse("applications:attachment-delete", args=[attachment.application.public_id, attachment.public_id])
    assert resident_client.post(url).status_code == 302
    assert not Attachment.objects.exists()
    assert s3_storage.keys() == []
