# SPDX-License-Identifier: MPL-2.0
"""Files in chat: checked as every upload, held to the channel's tier, never TOP SECRET, downloads audited."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import Department, User
from civicloop.collab import actions
from civicloop.collab.models import Channel, MessageFile
from civicloop.collab.tests.conftest import MANAGED, signed_in
from civicloop.core.models import AuditEntry
from civicloop.testing.pdfs import javascript_action, make_pdf, name

pytestmark = pytest.mark.django_db

PDF = make_pdf()


def _pdf(filename: str = "収集計画.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(filename, content, content_type="application/pdf")


@pytest.fixture
def secret_channel(make_clerk: Callable[..., User]) -> Channel:
    founder = make_clerk(clearance="SECRET", username="chief")
    return actions.open_department_channel(
        department=Department.objects.get(code="seiso"), name="秘", opened_by=founder, classification="SECRET"
    )


def _post_file(
    client: Client, channel: Channel, upload: SimpleUploadedFile, device: str = "managed", **data: str
) -> Any:
    return client.post(
        reverse("collab:message-create", args=[channel.public_id]),
        {"body": "", "file": upload, **data},
        headers={"X-Requested-With": "fetch", "X-Test-Device-Trust": device},
    )


def test_a_clerk_shares_a_pdf_which_is_stored_by_its_hash_at_the_channels_tier(
    device_header: str, department_channel: Channel, seiso_clerk: User
) -> None:
    # when a clerk posts a PDF without text
    response = _post_file(signed_in(seiso_clerk), department_channel, _pdf())
    # then the message carries the file, stored under its own id (not its name), at the channel's tier
    assert response.status_code == 201, response.content
    shared = response.json()["files"]
    assert [f["name"] for f in shared] == ["収集計画.pdf"] and shared[0]["classification"] == "OFFICIAL"
    stored = MessageFile.objects.get()
    assert stored.content_type == "application/pdf" and len(stored.sha256) == 64
    assert "収集計画" not in str(stored.file.name) and str(stored.public_id) in str(stored.file.name)
    entry = AuditEntry.objects.get(action="chat.post")
    assert entry.data["files"][0]["sha256"] == stored.sha256


def test_a_secret_file_is_refused_in_an_official_channel(
    device_header: str, department_channel: Channel, make_clerk: Callable[..., User]
) -> None:
    cleared = make_clerk(clearance="SECRET", username="cleared")
    response = _post_file(signed_in(cleared), department_channel, _pdf(), file_classification="SECRET")
    assert response.status_code == 400
    assert "秘" in response.json()["detail"] or "SECRET" in response.json()["detail"]
    assert not MessageFile.objects.exists()


def test_top_secret_material_is_never_shared_in_chat_and_the_refusal_says_so(
    department_channel: Channel, seiso_clerk: User
) -> None:
    with pytest.raises(
        actions.FileRefused, match=r"TOP SECRET material is never shared in chat|極秘の情報はチャットで共有できません"
    ):
        actions.post_message(
            channel=department_channel,
            author=seiso_clerk,
            body="",
            context=MANAGED,
            files=[_pdf()],
            file_classification="TOP_SECRET",
        )
    assert not MessageFile.objects.exists()


def test_the_form_does_not_offer_top_secret_or_a_tier_above_the_channel(
    device_header: str, department_channel: Channel, seiso_clerk: User
) -> None:
    page = signed_in(seiso_clerk).get(reverse("collab:channel-detail", args=[department_channel.public_id]))
    offered = page.context["file_tiers"]
    assert [value for value, _name in offered] == ["OFFICIAL"]
    response = _post_file(signed_in(seiso_clerk), department_channel, _pdf(), file_classification="TOP_SECRET")
    assert response.status_code == 400 and not MessageFile.objects.exists()


def test_a_file_is_judged_by_its_bytes_not_its_name(
    device_header: str, department_channel: Channel, seiso_clerk: User
) -> None:
    disguised = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    response = _post_file(signed_in(seiso_clerk), department_channel, disguised)
    detail = response.json()["detail"]
    assert response.status_code == 400 and ("its content was checked" in detail or "中身を確認" in detail)
    assert not MessageFile.objects.exists()


def test_a_pdf_that_runs_javascript_is_refused(
    device_header: str, department_channel: Channel, seiso_clerk: User
) -> None:
    def open_action(b: Any) -> None:
        b.root[name("/OpenAction")] = b.add(javascript_action())

    response = _post_file(signed_in(seiso_clerk), department_channel, _pdf(content=make_pdf(open_action)))
    assert response.status_code == 400 and not MessageFile.objects.exists()


def _share(channel: Channel, author: User, tier: str | None = None) -> MessageFile:
    message = actions.post_message(
        channel=channel, author=author, body="資料です", context=MANAGED, files=[_pdf()], file_classification=tier
    )
    return MessageFile.objects.get(message=message)


def _download(user: User, file: MessageFile, device: str) -> Any:
    return signed_in(user).get(
        reverse("collab:file-download", args=[file.public_id]), headers={"X-Test-Device-Trust": device}
    )


def test_a_member_downloads_the_file_uncached_and_every_download_is_audited(
    device_header: str, department_channel: Channel, seiso_clerk: User, seiso_colleague: User
) -> None:
    file = _share(department_channel, seiso_clerk)
    response = _download(seiso_colleague, file, "unknown")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store" and "attachment" in response["Content-Disposition"]
    entry = AuditEntry.objects.get(action="access.chat_file_download")
    assert entry.object_id == str(file.public_id) and entry.data["allowed"] is True


def test_someone_outside_the_channel_gets_a_404_and_the_refusal_is_audited(
    device_header: str, department_channel: Channel, seiso_clerk: User, outsider: User
) -> None:
    file = _share(department_channel, seiso_clerk)
    assert _download(outsider, file, "managed").status_code == 404
    assert AuditEntry.objects.get(action="access.chat_file_download").data["allowed"] is False


@pytest.mark.parametrize(("device", "clearance", "allowed"), [
    ("managed", "SECRET", True),
    ("byod", "SECRET", True),
    ("unknown", "SECRET", False),  # an unregistered device opens OFFICIAL only
    ("noncompliant", "SECRET", False),
    ("managed", "OFFICIAL", False),  # cleared below the file
])  # fmt: skip
def test_a_secret_file_needs_the_clearance_and_a_device_that_opens_secret(
    device_header: str,
    secret_channel: Channel,
    make_clerk: Callable[..., User],
    device: str,
    clearance: str,
    allowed: bool,
) -> None:
    author = User.objects.get(username="chief")
    file = _share(secret_channel, author)
    reader = make_clerk(clearance=clearance, username="reader")
    assert (_download(reader, file, device).status_code == 200) is allowed


def test_an_official_file_in_a_secret_channel_keeps_its_own_tier(secret_channel: Channel) -> None:
    file = _share(secret_channel, User.objects.get(username="chief"), tier="OFFICIAL")
    assert file.classification == "OFFICIAL" and file.message.classification == "SECRET"


def test_the_file_of_a_deleted_message_is_no_longer_downloaded(
    device_header: str, department_channel: Channel, seiso_clerk: User, seiso_colleague: User
) -> None:
    file = _share(department_channel, seiso_clerk)
    actions.delete_message(message=file.message, actor=seiso_clerk, context=MANAGED)
    assert _download(seiso_colleague, file, "managed").status_code == 404
    assert MessageFile.objects.filter(pk=file.pk).exists()  # kept for the audit
