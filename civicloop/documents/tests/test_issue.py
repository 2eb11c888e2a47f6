# SPDX-License-Identifier: MPL-2.0
import hashlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import translation

from civicloop.cases.models import Case
from civicloop.core import audit
from civicloop.core.models import AuditEntry, Event
from civicloop.documents.issue import DocumentInvalid
from civicloop.documents.models import IssuedDocument
from civicloop.documents.rendering import wareki
from civicloop.documents.tests.conftest import RARE_NAME, pdf_bytes, poppler

pytestmark = pytest.mark.django_db


def test_it_stores_the_signed_pdf_under_an_opaque_name_with_its_digest(document: IssuedDocument) -> None:
    data = pdf_bytes(document)
    assert data.startswith(b"%PDF-")
    assert document.file.name == f"documents/{document.public_id}.pdf"
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert document.number.startswith(f"{document.issued_at.year}-seiso-")
    assert document.verification_code.startswith("V-")
    assert document.title_ja == "決定通知書（粗大ごみ収集申込）"


def test_it_records_the_event_and_the_audit_entry(document: IssuedDocument, case: Case) -> None:
    event = Event.objects.get(type="jp.lg.civicloop.document.issued")
    assert event.subject == f"document/{document.public_id}"
    assert event.data["case"] == str(case.public_id)
    assert event.data["kind"] == "decision_notice"
    assert event.data["sha256"] == document.sha256
    assert RARE_NAME not in str(event.data)
    entry = AuditEntry.objects.get(action="document.issue")
    assert entry.object_id == str(document.public_id)
    assert entry.data["sha256"] == document.sha256


def test_the_document_takes_the_case_classification(issue: Callable[..., IssuedDocument], case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(classification="SECRET")
    case.refresh_from_db()
    document = issue()
    assert document.classification == "SECRET"
    assert Event.objects.get(type="jp.lg.civicloop.document.issued").classification == "SECRET"


def test_rare_characters_print_as_text_in_an_embedded_font(document: IssuedDocument, tmp_path: Path) -> None:
    data = pdf_bytes(document)
    text = poppler("pdftotext", data, tmp_path)
    assert "𠮷" in text
    assert "髙" in text
    assert "決定通知書" in text
    fonts = [line for line in poppler("pdffonts", data, tmp_path).splitlines()[2:] if line.strip()]
    assert fonts, "the PDF names no font"
    for line in fonts:
        assert "CJK" in line
        # Columns: name, type…, encoding, emb, sub, uni, object, id — "emb" is the fourth from the end.
        assert line.split()[-5] == "yes", line


def test_the_notice_prints_the_era_date_number_and_verification_url(document: IssuedDocument, tmp_path: Path) -> None:
    text = poppler("pdftotext", pdf_bytes(document), tmp_path)
    assert "令和" in text
    assert document.number in text
    assert document.verification_code in text
    assert f"/verify/?code={document.verification_code}" in text
    assert "渋谷区長" in text


def test_a_refusal_prints_its_reasons_and_the_appeal_instructions(
    issue: Callable[..., IssuedDocument], tmp_path: Path
) -> None:
    document = issue(kind="refusal_notice", outcome="reject", reason="収集できない品目（家電リサイクル法対象品）です。")
    text = poppler("pdftotext", pdf_bytes(document), tmp_path).replace("\n", "")
    assert "不承認通知書" in text
    assert "家電リサイクル法対象品" in text
    assert "行政手続法第8条" in text
    assert "審査請求" in text and "３か月以内" in text
    assert "取消しの訴え" in text and "６か月以内" in text


def test_an_approval_carries_no_appeal_instructions(document: IssuedDocument, tmp_path: Path) -> None:
    text = poppler("pdftotext", pdf_bytes(document), tmp_path)
    assert "教示" not in text


@pytest.mark.parametrize(
    ("kind", "outcome", "reason"),
    [
        ("refusal_notice", "reject", ""),  # 行政手続法8条: no refusal without reasons
        ("decision_notice", "reject", "   "),
        ("permit", "reject", "理由"),
        ("refusal_notice", "approve", ""),
        ("decision_notice", "maybe", ""),
        ("invoice", "approve", ""),
    ],
)
def test_it_refuses_a_document_that_does_not_fit_and_writes_nothing(
    issue: Callable[..., IssuedDocument], kind: str, outcome: str, reason: str, isolated_files: Path
) -> None:
    with pytest.raises(DocumentInvalid):
        issue(kind=kind, outcome=outcome, reason=reason)
    assert not IssuedDocument.objects.exists()
    assert not (isolated_files / "documents").exists() or not any((isolated_files / "documents").iterdir())


def test_a_failure_after_the_file_write_leaves_neither_row_nor_file(
    issue: Callable[..., IssuedDocument], monkeypatch: pytest.MonkeyPatch, isolated_files: Path
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        issue()
    assert not IssuedDocument.objects.exists()
    assert not Event.objects.filter(type="jp.lg.civicloop.document.issued").exists()
    assert list((isolated_files / "documents").iterdir()) == []


def test_numbers_count_up_per_department_and_year(issue: Callable[..., IssuedDocument]) -> None:
    first = issue()
    second = issue(kind="permit")
    assert first.number.endswith("-00001")
    assert second.number.endswith("-00002")
    assert default_storage.exists(str(first.file.name)) and default_storage.exists(str(second.file.name))


def test_a_notification_gets_an_acceptance_notice(issue: Callable[..., IssuedDocument], tmp_path: Path) -> None:
    document = issue(kind="acceptance_notice", outcome="accept")
    text = poppler("pdftotext", pdf_bytes(document), tmp_path)
    assert document.kind == "acceptance_notice"
    assert "受理通知書" in text and "受理" in text


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(2026, 11, 26), "令和8年11月26日"),
    ],
)
def test_dates_are_printed_in_the_era(day: date, expected: str) -> None:
    assert wareki(day) == expected


def test_the_document_is_in_japanese_whatever_language_the_clerk_uses(
    issue: Callable[..., IssuedDocument], tmp_path: Path
) -> None:
    with translation.override("en"):
        document = issue()
    text = poppler("pdftotext", pdf_bytes(document), tmp_path)
    assert "ソファ" in text  # the choice label in Japanese, not "Sofa"
    assert "Not given" not in text and "未入力" not in text  # unanswered optional fields are left out
