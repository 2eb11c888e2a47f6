# SPDX-License-Identifier: MPL-2.0
"""A resident's whole journey through the real pages, in Japanese, signed in through the demo OIDC provider.

渋谷 花子 finds 粗大ごみ収集 by searching, signs in on the way, books a collection of two items,
then claims 児童手当 with a spouse, two children and a bank-account proof uploaded as a PNG and a
PDF, and finds both receipt numbers in 申請履歴. Every page is checked with axe-core (serious or
critical violations fail the test) and photographed at phone and desktop widths.
"""

import re
import struct
import zlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from civicloop.applications.models import Application
from civicloop.core.calendar import add_business_days
from e2e.conftest import off_the_browser_loop

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect
if TYPE_CHECKING:
    from e2e.conftest import Resident

pytestmark = pytest.mark.e2e

RECEIPT = re.compile(r"^\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")
UUID = r"[0-9a-f-]{36}"


def tiny_png() -> bytes:
    """A real 2×2 PNG (signature, IHDR, IDAT, IEND with correct CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def tiny_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table and stream length (uploads are parsed)."""
    content = b"BT /F1 18 Tf 20 40 Td (bank proof) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def collection_day() -> str:
    """A working day at least 7 days from today, as sodai-gomi.yaml's date rule asks."""
    return add_business_days(datetime.now(ZoneInfo("Asia/Tokyo")).date(), 7).isoformat()


# --- page helpers ---------------------------------------------------------------------------


def fill(page: Any, values: dict[str, str]) -> None:
    for selector, value in values.items():
        page.fill(selector, value)


def save_and_continue(page: Any) -> None:
    """The step's main button (not "add another" / "remove", which carry a name)."""
    with page.expect_navigation():
        page.locator("main form.form .button-group button[type=submit]").click()


def expect_step(page: Any, step_id: str) -> None:
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/step/{step_id}/$"))


def assert_error_summary_works(page: Any, minimum: int) -> None:
    """The summary is shown, has focus (for screen readers), and every link lands on a real field."""
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^エラー"))
    hrefs = summary.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(hrefs) >= minimum, hrefs
    for href in hrefs:
        if href.startswith("#"):
            assert page.locator(f"[id='{href[1:]}']").count() == 1, f"error link {href} has no target on the page"


def sign_in_from_here(who: "Resident", resident_name: str) -> None:
    """Follow the real OIDC code flow: our login page → demo IdP → callback → back where we were."""
    page = who.page
    expect(page).to_have_url(re.compile(r"/auth/login/\?next="))
    who.checkpoint("login")
    page.locator("form[action$='/auth/login/start/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/demo-idp/authorize\?"))
    expect(page.get_by_role("button", name=re.compile(resident_name))).to_be_visible()
    who.checkpoint("demo identity provider")
    page.get_by_role("button", name=re.compile(resident_name)).click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator(".site-header__nav")).to_contain_text("申請履歴")


def submit_from_check(who: "Resident", name: str) -> str:
    """Check page: submitting without the declaration is refused, then it goes through. Returns the receipt number."""
    page = who.page
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/check/$"))
    expect(page.locator("h1")).to_be_visible()
    who.checkpoint(f"{name} check answers")
    keys = [" ".join(k.split()) for k in page.locator(".summary__key").all_inner_texts()]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    who.soft_check(not repeated, f"{name} check page: rows a resident cannot tell apart (same label twice): {repeated}")
    page.get_by_role("button", name="申請する").click()
    page.wait_for_load_state("domcontentloaded")
    assert_error_summary_works(page, minimum=1)
    expect(page.locator("#f-declaration")).to_have_attribute("aria-invalid", "true")
    who.checkpoint(f"{name} check answers with error")
    page.check("#f-declaration")
    page.get_by_role("button", name="申請する").click()
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/done/$"))
    receipt = page.locator(".receipt-number").inner_text().strip()
    assert RECEIPT.match(receipt), f"receipt number {receipt!r} does not look like 2026-XXXX-XXXX"
    who.checkpoint(f"{name} done")
    return receipt


# --- the journey ----------------------------------------------------------------------------


def apply_for_sodai_gomi(who: "Resident") -> str:
    page = who.page
    who.goto("/")
    expect(page.locator("h1")).to_contain_text("渋谷区")
    who.checkpoint("home")

    who.goto("/procedures/")
    expect(page.locator(".card-list .card").first).to_be_visible()
    who.checkpoint("procedure list")

    page.fill("#q", "そだいごみ")
    page.locator("form.search button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/procedures/\?q="))
    result = page.locator(".card-list a.card__title", has_text="粗大ごみ")
    expect(result).to_have_count(1)
    who.checkpoint("search results")

    result.click()
    expect(page).to_have_url(re.compile(r"/procedures/sodai-gomi/$"))
    who.checkpoint("sodai-gomi procedure detail")
    page.locator("form.start-form button[type=submit]").first.click()  # サインインして始める
    sign_in_from_here(who, "渋谷 花子")  # and straight on into the form: no second 「申請を始める」

    # Step 1: applicant — filled in from the sign-in; then mistakes a resident makes (hiragana for
    # katakana, letters in the phone).
    expect_step(page, "applicant")
    expect(page.locator("#f-applicant-given")).to_have_value("花子")
    who.checkpoint("sodai-gomi step applicant")
    fill(page, {"#f-applicant-family": "渋谷", "#f-applicant-family_kana": "しぶや", "#f-contact-phone": "でんわ"})
    save_and_continue(page)
    expect_step(page, "applicant")
    assert_error_summary_works(page, minimum=2)
    expect(page.locator("#f-applicant-family_kana")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-applicant-family")).to_have_value("渋谷")  # nothing typed is lost
    who.checkpoint("sodai-gomi step applicant with errors")
    fill(
        page,
        {
            "#f-applicant-family": "渋谷",
            "#f-applicant-given": "花子",
            "#f-applicant-family_kana": "シブヤ",
            "#f-applicant-given_kana": "ﾊﾅｺ",  # half-width kana is folded by x-normalize: nfkc
            "#f-contact-phone": "０３－１２３４－５６７８",  # so are full-width digits
            "#f-contact-email": "hanako@example.jp",
        },
    )
    save_and_continue(page)

    # Step 2: items — two rows through "add another".
    expect_step(page, "items")
    page.select_option("#f-items-0-item", "sofa")
    page.fill("#f-items-0-quantity", "1")
    page.fill("#f-items-0-detail", "3人掛け 幅180cm")
    page.locator("button[name=add_row][value=items]").click()
    expect(page.locator("#f-items-1-item")).to_be_visible()
    expect(page.locator("#f-items-0-item")).to_have_value("sofa")
    remove = page.locator("button[name=remove_row]").first.inner_text()
    who.soft_check("削除" in remove, f"the remove-row button is not in Japanese: {remove!r}")
    page.select_option("#f-items-1-item", "chair")
    page.fill("#f-items-1-quantity", "2")
    who.checkpoint("sodai-gomi step items")
    save_and_continue(page)

    # Step 3: collection place and date.
    expect_step(page, "collection")
    fill(
        page,
        {
            "#f-collection-address-postal_code": "150-0042",
            "#f-collection-address-prefecture": "東京都",
            "#f-collection-address-city": "渋谷区",
            "#f-collection-address-town": "宇田川町",
            "#f-collection-address-block": "1-1",
            "#f-collection-address-building": "シブヤハイツ101",
            "#f-collection-preferred_date": collection_day(),
            "#f-collection-place_note": "マンション1階ごみ置き場の横",
        },
    )
    who.checkpoint("sodai-gomi step collection")
    save_and_continue(page)

    # Attachments: the photo is optional; go on without one.
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/attachments/$"))
    expect(page.locator("#file-item_photo")).to_be_attached()
    who.checkpoint("sodai-gomi attachments")
    page.locator("main .button-group a.button").click()

    expect(page.locator("main")).to_contain_text("ソファ")
    expect(page.locator("main")).to_contain_text("ハナコ")  # the half-width ﾊﾅｺ came back folded
    return submit_from_check(who, "sodai-gomi")


def apply_for_jido_teate(who: "Resident", tmp_path: Path) -> str:
    page = who.page
    who.goto("/procedures/jido-teate/")
    who.checkpoint("jido-teate procedure detail")
    page.get_by_role("button", name="申請を始める").click()

    expect_step(page, "claimant")
    fill(
        page,
        {
            "#f-claimant-family": "渋谷",
            "#f-claimant-given": "花子",
            "#f-claimant-family_kana": "シブヤ",
            "#f-claimant-given_kana": "ハナコ",
            "#f-claimant_birthdate": "1988-04-12",
            "#f-claimant_address-postal_code": "1500042",
            "#f-claimant_address-prefecture": "東京都",
            "#f-claimant_address-city": "渋谷区",
            "#f-claimant_address-town": "宇田川町",
            "#f-claimant_address-block": "1-1",
            "#f-contact-phone": "090-1234-5678",
        },
    )
    who.checkpoint("jido-teate step claimant")
    save_and_continue(page)

    expect_step(page, "spouse-question")
    save_and_continue(page)  # nothing chosen: the radio group must say so
    expect_step(page, "spouse-question")
    assert_error_summary_works(page, minimum=1)
    who.checkpoint("jido-teate step spouse question with error")
    page.locator("input[name=has_spouse][value=yes]").check()
    save_and_continue(page)

    expect_step(page, "spouse")  # shown only because of the "yes"
    fill(
        page,
        {
            "#f-spouse-name-family": "渋谷",
            "#f-spouse-name-given": "一郎",
            "#f-spouse-name-family_kana": "シブヤ",
            "#f-spouse-name-given_kana": "イチロウ",
            "#f-spouse-birthdate": "1986-09-30",
        },
    )
    who.checkpoint("jido-teate step spouse")
    save_and_continue(page)

    expect_step(page, "children")
    fill(
        page,
        {
            "#f-children-0-name-family": "渋谷",
            "#f-children-0-name-given": "陽太",
            "#f-children-0-name-family_kana": "シブヤ",
            "#f-children-0-name-given_kana": "ヒナタ",
            "#f-children-0-birthdate": "2019-06-01",
            "#f-children-0-relationship": "長男",
        },
    )
    page.locator("button[name=add_row][value=children]").click()
    expect(page.locator("#f-children-1-name-family")).to_be_visible()
    page.fill("#f-children-1-name-family", "渋谷")  # the second child half filled in, "別居" unanswered
    save_and_continue(page)
    expect_step(page, "children")
    assert_error_summary_works(page, minimum=5)
    expect(page.locator("#f-children-0-name-given")).to_have_value("陽太")
    who.checkpoint("jido-teate step children with errors")
    fill(
        page,
        {
            "#f-children-1-name-family": "渋谷",
            "#f-children-1-name-given": "結衣",
            "#f-children-1-name-family_kana": "シブヤ",
            "#f-children-1-name-given_kana": "ユイ",
            "#f-children-1-birthdate": "2022-11-15",
            "#f-children-1-relationship": "長女",
        },
    )
    page.locator("input[name=has_child_apart][value=no]").check()
    who.checkpoint("jido-teate step children")
    save_and_continue(page)

    expect_step(page, "bank")
    fill(
        page,
        {
            "#f-bank_account-bank_name": "渋谷銀行",
            "#f-bank_account-branch_name": "宇田川支店",
            "#f-bank_account-account_number": "1234567",
            "#f-bank_account-holder_kana": "シブヤ ハナコ",
        },
    )
    page.locator("input[name='bank_account.account_type'][value=futsu]").check()
    who.checkpoint("jido-teate step bank")
    save_and_continue(page)

    # Attachments: a file that only pretends to be a PNG is refused, then a real PNG and a PDF go in.
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/attachments/$"))
    expect(page.locator("#file-separate_residence")).to_have_count(0)  # no child lives apart
    who.checkpoint("jido-teate attachments")
    fake = tmp_path / "tsucho.png"
    fake.write_text("this is not an image")
    png = tmp_path / "通帳.png"
    png.write_bytes(tiny_png())
    pdf = tmp_path / "cash-card.pdf"
    pdf.write_bytes(tiny_pdf())

    # With JavaScript, choosing a file uploads it at once (the button is there for those without).
    with page.expect_navigation():
        page.set_input_files("#file-bank_proof", str(fake))
    page.wait_for_load_state("domcontentloaded")
    assert_error_summary_works(page, minimum=1)
    expect(page.locator("#file-bank_proof-error")).to_contain_text("tsucho.png")
    who.checkpoint("jido-teate attachments with error")

    for path in (png, pdf):
        with page.expect_navigation():
            page.set_input_files("#file-bank_proof", str(path))
        expect(page.locator(".file-list")).to_contain_text(path.name)
    expect(page.locator("#file-bank_proof")).to_have_count(0)  # max_files 2 reached: no more uploads offered
    who.checkpoint("jido-teate attachments uploaded")
    page.locator("main .button-group a.button").click()

    expect(page.locator("main")).to_contain_text("ヒナタ")
    expect(page.locator("main")).to_contain_text("通帳.png")
    expect(page.locator("main")).to_contain_text("cash-card.pdf")
    return submit_from_check(who, "jido-teate")


def test_resident_applies_for_bulky_waste_and_child_allowance(resident: "Resident", tmp_path: Path) -> None:
    page = resident.page
    resident.prefix = "journey-"
    sodai = apply_for_sodai_gomi(resident)
    jido = apply_for_jido_teate(resident, tmp_path)
    assert sodai != jido

    page.locator(".site-header__nav").get_by_role("link", name="申請履歴").click()
    expect(page).to_have_url(re.compile(r"/applications/$"))
    table = page.locator("table.table")
    expect(table.get_by_role("link", name=sodai)).to_be_visible()
    expect(table.get_by_role("link", name=jido)).to_be_visible()
    expect(table.locator("tr", has_text=sodai)).to_contain_text("粗大ごみ")
    expect(table.locator("tr", has_text=jido)).to_contain_text("児童手当")
    headings = page.locator("main h2").all_inner_texts()
    resident.soft_check(
        "申請日" not in headings, f"申請履歴: a section is headed 「申請日」 (submission date): {headings}"
    )
    resident.checkpoint("my applications")

    table.get_by_role("link", name=jido).click()
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/$"))
    expect(page.locator("h1")).to_contain_text(jido)
    expect(page.locator("main")).to_contain_text("通帳.png")
    resident.checkpoint("jido-teate application detail")

    # What the pages stored: normalised answers, both files with the type their bytes revealed.
    bulky = Application.objects.get(receipt_number=sodai)
    assert bulky.answers["applicant"]["given_kana"] == "ハナコ"
    assert bulky.answers["contact"]["phone"] == "03-1234-5678"
    assert [row["item"] for row in bulky.answers["items"]] == ["sofa", "chair"]
    claim = Application.objects.get(receipt_number=jido)
    assert claim.answers["has_spouse"] == "yes" and len(claim.answers["children"]) == 2
    assert sorted(a.content_type for a in claim.attachments.all()) == ["application/pdf", "image/png"]

    print(f"receipts: 粗大ごみ {sodai}, 児童手当 {jido}; pages checked: {len(resident.checkpoints)}")
    resident.assert_clean()


def test_axe_check_catches_a_violation(resident: "Resident") -> None:
    """The harness itself: axe really runs on our pages and a critical problem is recorded."""
    resident.goto("/")
    resident.page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML("beforeend",
             '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="e2e-no-alt"><input type="text" id="e2e-no-label">')"""
    )
    found = {v["id"]: v["impact"] for v in resident.axe("self-test")}
    assert found.get("image-alt") == "critical", found
    assert found.get("label") == "critical", found
    assert any("image-alt" in line for line in resident.violations)
    resident.violations.clear()


def test_a_guest_finds_an_answer_and_sends_an_inquiry(resident: "Resident") -> None:
    """Help search and the inquiry form, without signing in, with axe on every page."""
    from django.core.management import call_command

    call_command("train_routing_model", "--no-eval", verbosity=0)
    page = resident.page
    resident.goto("/help/?q=" + "粗大ごみを出したい")
    expect(page.locator("main")).to_contain_text("清掃リサイクル課")
    resident.checkpoint("help answers")
    page.get_by_role("link", name="お問い合わせを送る").last.click()
    expect(page.locator("#id_text")).to_have_value("粗大ごみを出したい")  # the search carries over
    resident.checkpoint("inquiry form")
    page.fill("#id_text", "")
    page.get_by_role("button", name="送信する").click()
    assert_error_summary_works(page, minimum=1)
    resident.checkpoint("inquiry form with error")
    page.fill("#id_text", "家の前の道路のマンホールのふたがガタガタしていて危ないです")
    page.get_by_role("button", name="送信する").click()
    expect(page.locator(".receipt-number")).to_have_text(re.compile(r"^Q-[0-9A-Z]{4}-[0-9A-Z]{4}$"))
    resident.checkpoint("inquiry received")
    resident.assert_clean()


def test_a_clerk_asks_for_a_correction_and_the_resident_makes_it(resident: "Resident") -> None:
    """The back office and the resident, one after the other in the same browser, with axe on each page."""
    from django.core.management import call_command

    from civicloop.accounts.models import User
    from civicloop.demo.staff_security import current_totp

    # 渋谷 花子 has a submitted bulky-waste application, so a case; the seed signs the demo fees' results
    off_the_browser_loop(lambda: call_command("seed_demo", verbosity=0))
    clerk = User.objects.get(username="clerk-seiso")
    clerk.set_password("e2e-clerk-password")
    clerk.save()
    page = resident.page
    # the clerk signs in, finds the case, claims it and asks for a correction
    resident.goto("/staff/inbox/")
    resident.checkpoint("staff sign-in")
    page.fill("#id_login", "clerk-seiso")
    page.fill("#id_password", "e2e-clerk-password")
    page.get_by_role("button", name="サインイン", exact=True).click()
    # the second factor: the code the clerk's TOTP app shows (seed_demo gave every demo clerk one)
    expect(page.locator("#id_code")).to_be_visible()
    resident.checkpoint("staff second factor")
    page.fill("#id_code", current_totp("clerk-seiso")[0])
    page.locator("form[action$='/2fa/authenticate/'] button[type=submit]").first.click()
    expect(page.locator("h1")).to_have_text("受付一覧")
    resident.checkpoint("staff inbox")
    page.locator("tbody a").first.click()
    resident.checkpoint("case page")
    page.get_by_role("button", name="この案件を担当する").click()
    page.locator("summary", has_text="補正を依頼する").click()
    page.check("#cf-contact")
    page.fill("#cr-reason", "お電話がつながりませんでした。日中につながる番号を入力してください。")
    page.get_by_role("button", name="補正の依頼を送る").click()
    expect(page.locator(".notices")).to_contain_text("処理期間は停止しています")
    resident.checkpoint("case waiting for correction")
    page.locator(".site-header__nav").get_by_role("button", name="サインアウト").click()
    # the resident signs in, reads the request and corrects only the phone number
    resident.goto("/auth/login/?next=/applications/")
    sign_in_from_here(resident, "渋谷 花子")
    page.locator("tbody tr", has_text="補正").locator("a").click()
    expect(page.locator("main")).to_contain_text("お電話がつながりませんでした")
    resident.checkpoint("application with correction request")
    page.get_by_role("link", name="申請内容を補正する").click()
    expect(page.locator("#f-contact-phone")).to_be_visible()
    expect(page.locator("#f-applicant-family")).to_have_count(0)
    resident.checkpoint("correction form")
    page.fill("#f-contact-phone", "090-1234-5678")
    page.get_by_role("button", name="補正を送信する").click()
    expect(page.locator(".notices")).to_contain_text("補正した申請を送信しました")
    expect(page.locator(".status")).to_contain_text("審査中")
    resident.assert_clean()
