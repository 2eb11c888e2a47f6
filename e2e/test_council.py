# SPDX-License-Identifier: MPL-2.0
"""Council Q&A and a paperless meeting in real browsers (issue 14, "Council Q&A and paperless meetings").

A clerk of 清掃リサイクル課 drafts the answer to a council question in the co-editor, sends it up
the chain (課長 → 部長 → 副区長), each approving in their own browser, finalises it, and the
secretariat downloads the answer book with the answer in it. Then a meeting: an attendee from the
secretariat reads a material on screen, and the minutes are drafted, reviewed by the 課長 and
signed off. The editor needs its websocket, so the site runs as `make run` does, in its own
process (daphne's runserver, config.asgi, a SQLite file), like the co-editing test.
"""

import json
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from e2e.test_collaboration import _editor, _Site

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

if TYPE_CHECKING:
    from e2e.conftest import Resident

pytestmark = [pytest.mark.e2e]

SETUP = """
import json
from datetime import date, timedelta
from django.test import Client
from django.utils import timezone
from civicloop.accounts.models import Department, Position
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring import actions as authoring
from civicloop.authoring.models import Document
from civicloop.authoring.tests.conftest import write
from civicloop.classification.policy import NO_CONTEXT
from civicloop.council import actions as council
from civicloop.meetings import actions as meetings
from civicloop.testing.factories import StaffFactory

def staff(department, username, position=Position.CLERK):
    return StaffFactory.create(department=department, username=username, full_name=username, position=position)

people = {
    "drafter": staff("seiso", "seiso-clerk"),
    "kacho": staff("seiso", "seiso-kacho", Position.KACHO),
    "bucho": staff("seiso", "seiso-bucho", Position.BUCHO),
    "fuku": staff("somu", "fuku-kucho", Position.FUKU_KUCHO),
    "secretary": staff("gikai", "gikai-clerk"),
}
seiso = Department.objects.get(code="seiso")
session = council.register_session(
    name="令和8年第4回定例会", opens_on=date(2026, 11, 25), closes_on=date(2026, 12, 12),
    created_by=people["secretary"], context=NO_CONTEXT,
)
question = council.register_question(
    session=session, kind="general", number=1, member_name="区議 山田", subject="粗大ごみ収集体制",
    text="粗大ごみの収集待ちが長い。区の見解を伺う。", answer_due_at=timezone.now() + timedelta(days=3),
    registered_by=people["secretary"], context=NO_CONTEXT,
)
council.assign_question(question=question, department=seiso, assigned_by=people["secretary"], context=NO_CONTEXT)
meeting = meetings.schedule_meeting(
    title="粗大ごみ収集体制検討会議", starts_at=timezone.now() + timedelta(days=1), place="第3会議室",
    department=seiso, created_by=people["drafter"], context=NO_CONTEXT,
)
meetings.add_attendee(meeting=meeting, person=people["secretary"], added_by=people["drafter"], context=NO_CONTEXT)
report = authoring.create_document(
    title="収集車配置計画（案）", kind=Document.Kind.REPORT, classification="OFFICIAL", department=seiso,
    created_by=people["drafter"], context=NO_CONTEXT,
)
write(report, people["drafter"], "収集車を北部に2台、南部に1台配置する。", "受付から収集まで7日以内を目標とする。" * 80)
meetings.share_material(meeting=meeting, document=report, shared_by=people["drafter"], context=NO_CONTEXT)
print(json.dumps({
    "session": str(session.public_id), "question": str(question.public_id), "meeting": str(meeting.public_id),
    "sessions": {role: sign_in_with_mfa(Client(), person).cookies["sessionid"].value for role, person in people.items()},
}))
"""

ANSWER = "収集車を2台増やし、受付から7日以内に収集します。"
MINUTES = "一 収集車配置計画（案）を了承した。"


def _type(who: "Resident", text: str) -> None:
    """Type into the open co-editor and wait until the server has it (the status says saved and shared)."""
    editor = who.page.locator("[data-authoring-editor]")
    expect(editor).to_have_attribute("data-state", "synced")
    who.page.locator(".ProseMirror").click()
    who.page.keyboard.type(text)
    expect(who.page.locator(".ProseMirror")).to_contain_text(text)
    time.sleep(1)  # the last keystrokes' update reaches the server before the version is saved
    who.page.locator("form[action$='/versions/new/'] button").click()
    who.page.wait_for_url("**/versions/")


def _approve(who: "Resident", document_path: str) -> None:
    who.goto(f"{document_path}versions/")
    who.page.locator("button[name=decision][value=approve]").click()
    expect(who.page.locator("button[name=decision][value=approve]")).to_have_count(0)


def _advance(drafter: "Resident", question: str) -> None:
    drafter.goto(f"/staff/council/questions/{question}/")
    drafter.page.locator("form[action$='/advance/'] button").click()


def test_an_answer_goes_up_the_chain_into_the_book_and_a_meeting_runs_without_paper(
    browser: Any, screenshot_dir: Path, tmp_path: Path
) -> None:
    # given the site on its own database: a question assigned to 清掃リサイクル課, its chain, a meeting
    site = _Site(tmp_path)
    site.manage("migrate", "--noinput", "-v0")
    site.manage("load_catalog", "-v0")
    facts = json.loads(site.manage("shell", "-c", SETUP).strip().splitlines()[-1])
    site.start()
    try:
        people = {
            role: _editor(browser, site, cookie, screenshot_dir, f"council-{role}-")
            for role, cookie in facts["sessions"].items()
        }
        drafter, secretary = people["drafter"], people["secretary"]

        # when the clerk drafts the answer in the co-editor and saves it as a version
        drafter.goto(f"/staff/council/questions/{facts['question']}/")
        drafter.checkpoint("question")
        drafter.page.get_by_role("button", name="起案を始める").click()
        drafter.page.wait_for_url("**/staff/documents/**")
        document_path = drafter.page.url.removeprefix(site.base_url)
        _type(drafter, ANSWER)

        # and sends it up the chain, each rank approving in their own browser
        for rank in ("kacho", "bucho", "fuku"):
            _advance(drafter, facts["question"])
            expect(drafter.page.locator("body")).to_contain_text("審査を依頼しました")
            _approve(people[rank], document_path)
        _advance(drafter, facts["question"])

        # then it is final, the board says so, and the answer book holds the answer
        expect(drafter.page.locator("body")).to_contain_text("答弁が確定しました。")
        secretary.goto(f"/staff/council/{facts['session']}/")
        expect(secretary.page.locator("table")).to_contain_text("確定")
        secretary.checkpoint("board")
        with secretary.page.expect_download() as download:
            secretary.page.get_by_role("link", name="答弁書集をダウンロード（PDF）").click()
        pdf = tmp_path / "answer-book.pdf"
        download.value.save_as(pdf)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "粗大ごみ収集体制" in text and ANSWER in "".join(text.split())

        # when the attendee from the secretariat reads the material on screen
        secretary.goto(f"/staff/meetings/{facts['meeting']}/")
        secretary.page.get_by_role("link", name="収集車配置計画（案）").click()
        expect(secretary.page.locator("[data-material-text]")).to_contain_text("北部に2台")
        expect(secretary.page.locator(".caption")).to_contain_text("2")
        secretary.checkpoint("material on screen")

        # and the clerk drafts the minutes, the 課長 approves them, and the clerk signs them off
        drafter.goto(f"/staff/meetings/{facts['meeting']}/")
        drafter.checkpoint("meeting")
        drafter.page.get_by_role("button", name="議事録の作成を始める").click()
        drafter.page.wait_for_url("**/staff/documents/**")
        minutes_path = drafter.page.url.removeprefix(site.base_url)
        _type(drafter, MINUTES)
        drafter.goto(f"{minutes_path}versions/")
        drafter.page.locator("select[name=reviewers]").select_option(label="seiso-kacho（seiso-kacho）")
        drafter.page.get_by_role("button", name="レビューを依頼する").click()
        _approve(people["kacho"], minutes_path)
        drafter.goto(f"{minutes_path}versions/")
        drafter.page.locator("form[action$='/sign-off/'] button").click()

        # then the meeting's page shows the minutes signed off
        drafter.goto(f"/staff/meetings/{facts['meeting']}/")
        expect(drafter.page.locator("#h-minutes + p")).to_contain_text("確定済み")
        drafter.checkpoint("minutes signed off")
        for who in people.values():
            who.assert_clean()
    finally:
        site.stop()
