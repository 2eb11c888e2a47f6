# SPDX-License-Identifier: MPL-2.0
"""The whole loop in real browsers, one per person: apply → 受付 → 補正 → fix → 起案 → 決裁 (係長, 課長) →
fee → the resident downloads the signed result, which pyHanko validates; a tampered copy fails /verify/."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from e2e.test_resident_journey import apply_for_sodai_gomi

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

if TYPE_CHECKING:
    from e2e.conftest import Resident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def staff_member(username: str, position: str) -> None:
    """A member of 清掃リサイクル課 with a password and a TOTP authenticator, as seed_demo makes them."""
    from civicloop.accounts.models import Department, User
    from civicloop.accounts.testing import give_totp

    user, _ = User.objects.get_or_create(
        username=username, defaults={"kind": User.Kind.STAFF, "full_name": username, "position": position}
    )
    user.position = position
    user.set_password(f"e2e-{username}-password")
    user.save()
    user.departments.add(Department.objects.get(code="seiso"))
    give_totp(user)


def staff_sign_in(who: "Resident", username: str, start: str = "/staff/inbox/", heading: str = "受付一覧") -> None:
    """Password, then the code the person's authenticator app shows now; lands on `start` (its h1 `heading`)."""
    from civicloop.demo.staff_security import current_totp

    page = who.page
    who.goto(start)
    page.fill("#id_login", username)
    page.fill("#id_password", f"e2e-{username}-password")
    page.get_by_role("button", name="サインイン", exact=True).click()
    expect(page.locator("#id_code")).to_be_visible()
    page.fill("#id_code", current_totp(username)[0])
    page.locator("form[action$='/2fa/authenticate/'] button[type=submit]").first.click()
    expect(page.locator("h1")).to_have_text(heading)


def open_case(who: "Resident", receipt: str) -> None:
    page = who.page
    who.goto(f"/staff/inbox/?status=all&q={receipt}")
    page.get_by_role("link", name=receipt).click()
    expect(page.locator("h1")).to_contain_text(receipt)


def another_person(browser: Any, resident: "Resident", prefix: str) -> "Resident":
    """A second browser (its own cookies) for another member of staff, with the same axe and screenshot checks."""
    from e2e.conftest import AXE_JS, AXE_URL_PATH, DESKTOP, Resident

    context = browser.new_context(
        viewport=DESKTOP, locale="ja-JP", timezone_id="Asia/Tokyo", base_url=resident.base_url
    )
    context.set_default_timeout(15_000)
    source = AXE_JS.read_bytes()
    context.route(
        f"{resident.base_url}{AXE_URL_PATH}",
        lambda route: route.fulfill(status=200, body=source, content_type="text/javascript"),
    )
    return Resident(
        page=context.new_page(), base_url=resident.base_url, screenshot_dir=resident.screenshot_dir, prefix=prefix
    )


def test_the_whole_loop_ends_with_a_signed_result_and_a_tamper_check(
    resident: "Resident", browser: Any, tmp_path: Path
) -> None:
    from civicloop.accounts.models import Position
    from civicloop.documents.signing import check_signature

    page = resident.page
    resident.prefix = "loop-"
    for username, position in [
        ("e2e-clerk", Position.CLERK),
        ("e2e-kakaricho", Position.KAKARICHO),
        ("e2e-kacho", Position.KACHO),
    ]:
        staff_member(username, position)

    # 1. the resident applies for a bulky-waste collection
    receipt = apply_for_sodai_gomi(resident)

    # 2. the clerk claims the case and asks for a correction (補正)
    clerk = another_person(browser, resident, "loop-clerk-")
    staff_sign_in(clerk, "e2e-clerk")
    open_case(clerk, receipt)
    clerk.page.get_by_role("button", name="この案件を担当する").click()
    expect(clerk.page.locator("main")).to_contain_text("審査")
    clerk.page.locator("summary", has_text="補正を依頼する").click()
    clerk.page.check("#cf-contact")
    clerk.page.fill("#cr-reason", "お電話がつながりませんでした。日中につながる番号を入力してください。")
    clerk.page.get_by_role("button", name="補正の依頼を送る").click()
    expect(clerk.page.locator(".notices")).to_contain_text("処理期間は停止しています")
    clerk.checkpoint("case waiting for correction")

    # 3. the resident corrects the phone number
    resident.goto("/applications/")
    page.locator("tbody tr", has_text=receipt).locator("a").first.click()
    page.get_by_role("link", name="申請内容を補正する").click()
    page.fill("#f-contact-phone", "090-1234-5678")
    page.get_by_role("button", name="補正を送信する").click()
    expect(page.locator(".notices")).to_contain_text("補正した申請を送信しました")

    # 4. the clerk drafts the approval (起案) and sends it for 決裁
    open_case(clerk, receipt)
    clerk.page.check("#dc-approve")
    clerk.page.fill("#dc-comment", "補正済み。収集可能な品目です。")
    clerk.page.get_by_role("button", name="決裁に回す").click()
    expect(clerk.page.locator("main")).to_contain_text("決裁待ちです。")
    clerk.checkpoint("case waiting for approval")

    # 5. 係長, then 課長, approve from their own inboxes
    for username in ("e2e-kakaricho", "e2e-kacho"):
        approver = another_person(browser, resident, f"loop-{username}-")
        staff_sign_in(approver, username)
        approver.page.get_by_role("link", name="自分の決裁待ち").click()
        approver.page.get_by_role("link", name=receipt).click()
        approver.checkpoint("approval")
        approver.page.get_by_role("button", name="決裁する").click()
        expect(approver.page.locator(".notices")).to_contain_text("決裁しました。")
        approver.assert_clean()
        approver.page.context.close()

    # 6. the fee is paid; the result is issued
    open_case(clerk, receipt)
    clerk.page.fill("#fee-comment", "納付書 0001")
    clerk.page.get_by_role("button", name="手数料の納付を確認し、結果を発行する").click()
    expect(clerk.page.locator(".notices")).to_contain_text("結果を発行しました")
    clerk.checkpoint("case closed with its document")
    clerk.assert_clean()

    # 7. the resident downloads the signed result; pyHanko validates it
    resident.goto("/applications/")
    page.locator("tbody tr", has_text=receipt).locator("a").first.click()
    expect(page.locator(".status")).to_contain_text("承認")
    resident.checkpoint("application with its result")
    with page.expect_download() as download_info:
        page.locator(".file-list__item a").first.click()
    pdf = tmp_path / "result.pdf"
    download_info.value.save_as(pdf)
    data = pdf.read_bytes()
    # pyHanko validates with asyncio.run, which cannot nest in Playwright's loop: a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        check = pool.submit(check_signature, data).result()
    assert data.startswith(b"%PDF") and check.ok, check

    # 8. /verify/: the original is authentic, a copy with one changed byte is not
    tampered = tmp_path / "tampered.pdf"
    middle = len(data) // 3
    tampered.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :])
    for upload, verdict in [(pdf, "真正な文書です"), (tampered, "改ざんされているか")]:
        resident.goto("/verify/")
        page.locator("input[type=file]").set_input_files(str(upload))
        page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
        expect(page.locator("main")).to_contain_text(verdict)
        resident.checkpoint(f"verify {upload.stem}")
    resident.assert_clean()
