# SPDX-License-Identifier: MPL-2.0
"""The document as a PDF: the result documents' renderer, the classification marking, frozen versions."""

from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from django.test import Client

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring import actions
from civicloop.authoring.models import Document, Version
from civicloop.authoring.tests.conftest import MANAGED, write
from civicloop.core.models import AuditEntry
from civicloop.core.pdf import find_active_content
from civicloop.documents.tests.conftest import poppler

pytestmark = pytest.mark.django_db


def _text(pdf: bytes, tmp_path: Path) -> str:
    return poppler("pdftotext", pdf, tmp_path)


def _signed_off(document: Document, author: User, reviewer: User) -> Version:
    version = actions.create_version(document=document, created_by=author, context=MANAGED)
    [review] = actions.request_review(version=version, reviewers=[reviewer], requested_by=author, context=MANAGED)
    actions.decide_review(review=review, reviewer=reviewer, approve=True)
    return actions.sign_off_version(version=version, signed_off_by=author, context=MANAGED)


def test_a_draft_exports_its_current_text_with_the_marking(draft: Document, author: User, tmp_path: Path) -> None:
    write(draft, author, "一 ごみ収集体制の見直しについてお答えします。", "髙﨑 𠮷田 邊")

    response = sign_in_with_mfa(Client(), author).get(f"/staff/documents/{draft.public_id}/pdf/")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content, tmp_path)
    assert "ごみ収集体制の見直しについてお答えします。" in text and "𠮷田" in text
    assert "OFFICIAL（一般）" in text and "作成中（未確定）" in text
    assert find_active_content(BytesIO(response.content)) == []
    entry = AuditEntry.objects.get(object_id=str(draft.public_id), action="authoring.exported")
    assert entry.data["version"] == "draft"


def test_a_signed_off_document_exports_exactly_its_frozen_version(
    draft: Document, author: User, colleague: User, tmp_path: Path
) -> None:
    # given v1 signed off, then v2 started and edited
    write(draft, author, "収集は週一回とする。")
    first = _signed_off(draft, author, colleague)
    client = sign_in_with_mfa(Client(), author)
    signed_off_export = _text(client.get(f"/staff/documents/{draft.public_id}/pdf/").content, tmp_path)
    actions.create_version(document=draft, created_by=author, context=MANAGED)
    write(draft, author, "ただし年末は臨時収集を行う。")
    # when v1 is exported by its own address
    response = client.get(f"/staff/documents/versions/{first.public_id}/pdf/")
    # then it holds v1's text and hash, not what came after
    text = _text(response.content, tmp_path)
    assert "収集は週一回とする。" in text and "ただし年末" not in text
    assert "第1版" in text and "確定" in text and first.sha256[:16] in text.replace("\n", "")
    assert "収集は週一回とする。" in signed_off_export and "第1版" in signed_off_export


def test_a_version_whose_html_no_longer_matches_its_hash_is_not_exported(
    draft: Document, author: User, colleague: User
) -> None:
    write(draft, author, "原文")
    version = _signed_off(draft, author, colleague)
    Version.objects.filter(pk=version.pk).update(html="<p>改ざん</p>")

    response = sign_in_with_mfa(Client(), author).get(f"/staff/documents/{draft.public_id}/pdf/")

    assert response.status_code == 404


def test_a_secret_document_carries_the_watermark_and_an_outsider_gets_nothing(
    make_clerk: Callable[..., User], outsider: User, tmp_path: Path
) -> None:
    owner = make_clerk(clearance="SECRET", username="secret-owner", full_name="秘密 太郎")
    document = actions.create_document(
        title="秘 報告書",
        kind=Document.Kind.REPORT,
        classification="SECRET",
        department=Department.objects.get(code="seiso"),
        created_by=owner,
        context=MANAGED,
    )
    write(document, owner, "非公開の本文")

    mine = actions.export_pdf(document=document, exported_by=owner, context=MANAGED)
    theirs = sign_in_with_mfa(Client(), outsider).get(f"/staff/documents/{document.public_id}/pdf/")

    text = _text(mine.pdf, tmp_path)
    assert "SECRET（秘）" in text and "非公開の本文" in text
    assert "太" in text and "郎" in text  # the watermark names who exported it (rotated: pdftotext splits it)
    assert theirs.status_code == 404 and "非公開" not in theirs.content.decode(errors="replace")
