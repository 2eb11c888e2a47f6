# SPDX-License-Identifier: MPL-2.0
"""Other channels' exports into the inbox: once each, every record's fate reported, bad input refused."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from civicloop.applications.models import Application
from civicloop.cases.models import Case
from civicloop.core.models import AuditEntry
from civicloop.intake import importer
from civicloop.intake.mapping import MappingInvalid, load
from civicloop.intake.models import ImportedRecord, ImportRun

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def run(mapping: str, sample: Path, *, dry_run: bool = False) -> ImportRun:
    return importer.run(load(mapping), sample, dry_run=dry_run, actor="staff:test")


def fates(result: ImportRun) -> dict[str, str]:
    return {line["external_id"]: line["fate"] for line in result.report}


def test_a_pittari_export_becomes_submitted_applications_with_cases_in_the_inbox(catalog: None) -> None:
    result = run("pittari-juminhyo", SAMPLES / "pittari-juminhyo")
    assert fates(result) == {"P2026-000101": "imported", "P2026-000102": "imported", "P2026-000103": "rejected"}
    assert (result.imported, result.duplicates, result.rejected) == (2, 0, 1)
    applications = Application.objects.filter(channel="pittari").order_by("submitted_at")
    assert [a.status for a in applications] == [Application.Status.SUBMITTED] * 2
    first, second = applications
    # Answers went through the form engine: the full-width phone and the 7-digit postcode normalised.
    assert first.answers["contact"]["phone"] == "090-1234-5678"
    assert first.answers["registered_address"]["postal_code"] == "150-8010"
    assert first.answers["included_items"] == ["household_relation"]
    assert first.guest_email == "pittari-101@example.jp"
    assert second.answers["persons"][0]["birthdate"] == "1980-04-02"
    assert second.attachments.get().kind == "letter_of_attorney"
    # The cases opened in the procedure's department, like any online submission.
    cases = Case.objects.filter(application__in=applications)
    assert cases.count() == 2 and {c.department.code for c in cases} == {"koseki_juumin"}
    receipt_numbers = {line["receipt_number"] for line in result.report if line["fate"] == "imported"}
    assert receipt_numbers == {a.receipt_number for a in applications}


def test_a_rejected_record_says_what_the_form_would_say_and_creates_nothing(catalog: None) -> None:
    result = run("pittari-juminhyo", SAMPLES / "pittari-juminhyo")
    rejected = next(line for line in result.report if line["fate"] == "rejected")
    assert rejected["row"] == 3
    errors = rejected["errors"]
    assert "registered_address.postal_code" in errors  # 15080: too short
    assert "household_head.family_kana" in errors  # hiragana where katakana is asked
    assert "copies" in errors  # required, missing
    assert not ImportedRecord.objects.filter(external_id="P2026-000103").exists()


def test_importing_the_same_export_again_creates_nothing(catalog: None) -> None:
    run("pittari-juminhyo", SAMPLES / "pittari-juminhyo")
    before = (Application.objects.count(), Case.objects.count())
    again = run("pittari-juminhyo", SAMPLES / "pittari-juminhyo")
    assert fates(again) == {"P2026-000101": "duplicate", "P2026-000102": "duplicate", "P2026-000103": "rejected"}
    assert (Application.objects.count(), Case.objects.count()) == before
    assert {line.get("receipt_number") for line in again.report if line["fate"] == "duplicate"} == set(
        Application.objects.filter(channel="pittari").values_list("receipt_number", flat=True)
    )


def test_a_record_twice_in_one_export_is_imported_once(catalog: None, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(SAMPLES / "logoform-juminhyo", folder)
    csv_file = folder / "kaito.csv"
    lines = csv_file.read_text(encoding="utf-8-sig").splitlines()
    csv_file.write_text("\ufeff" + "\r\n".join([*lines, lines[1]]) + "\r\n", encoding="utf-8")
    result = run("logoform-juminhyo", folder)
    assert [line["fate"] for line in result.report] == ["imported", "imported", "duplicate"]
    assert Application.objects.filter(channel="logoform").count() == 2


def test_a_dry_run_checks_everything_and_creates_nothing(catalog: None) -> None:
    result = run("pittari-juminhyo", SAMPLES / "pittari-juminhyo", dry_run=True)
    assert fates(result) == {"P2026-000101": "would_import", "P2026-000102": "would_import", "P2026-000103": "rejected"}
    assert Application.objects.count() == 0 and ImportedRecord.objects.count() == 0
    assert AuditEntry.objects.filter(action="intake.dry_run").count() == 1
    # …and a real run after it imports them.
    assert run("pittari-juminhyo", SAMPLES / "pittari-juminhyo").imported == 2


def test_a_missing_attachment_or_a_path_outside_the_folder_is_refused(catalog: None, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(SAMPLES / "pittari-juminhyo", folder)
    (folder / "ininjo-102.png").unlink()
    text = (folder / "shinsei.xml").read_text(encoding="utf-8")
    (folder / "shinsei.xml").write_text(text, encoding="utf-8")
    result = run("pittari-juminhyo", folder)
    line = next(r for r in result.report if r["external_id"] == "P2026-000102")
    assert line["fate"] == "rejected" and "attachment:letter_of_attorney" in line["errors"]
    (folder / "shinsei.xml").write_text(text.replace("ininjo-102.png", "../../etc/passwd"), encoding="utf-8")
    ImportedRecord.objects.all().delete()
    result = run("pittari-juminhyo", folder)
    line = next(r for r in result.report if r["external_id"] == "P2026-000102")
    assert line["fate"] == "rejected" and "not found in the export" in line["errors"]["attachment:letter_of_attorney"]


def test_a_value_the_mapping_does_not_know_is_named(catalog: None, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(SAMPLES / "logoform-juminhyo", folder)
    csv_file = folder / "kaito.csv"
    csv_file.write_text(csv_file.read_text(encoding="utf-8-sig").replace("学校", "旅行"), encoding="utf-8-sig")
    result = run("logoform-juminhyo", folder)
    line = result.report[1]
    assert line["fate"] == "rejected" and "旅行" in line["errors"]["purpose"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<申請データ一覧><申請データ>", "not well-formed XML"),
        (b"\xff\xfe\x00bad", "not utf-8 text"),
    ],
)
def test_an_unreadable_export_is_refused_whole(catalog: None, tmp_path: Path, content: object, message: str) -> None:
    path = tmp_path / "shinsei.xml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(str(content), encoding="utf-8")
    with pytest.raises(importer.InputInvalid, match=message):
        run("pittari-juminhyo", path)
    assert ImportRun.objects.count() == 0


def test_a_broken_mapping_file_says_where(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: fax\nprocedure: juminhyo\nformat: xml\nid: x\nfields: {copies: {}}\n", encoding="utf-8")
    with pytest.raises(MappingInvalid) as error:
        load(str(bad))
    text = str(error.value)
    assert "source" in text and "fields/copies" in text and "record" in text


def test_the_command_prints_each_fate_and_writes_the_report(catalog: None, tmp_path: Path) -> None:
    out = StringIO()
    report = tmp_path / "report.json"
    call_command(
        "import_applications",
        "logoform-juminhyo",
        str(SAMPLES / "logoform-juminhyo"),
        "--report",
        str(report),
        stdout=out,
    )
    assert "imported 2, duplicates 0, rejected 0" in out.getvalue()
    assert [line["fate"] for line in json.loads(report.read_text(encoding="utf-8"))] == ["imported", "imported"]
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_applications", "logoform-juminhyo", str(tmp_path / "missing"))
