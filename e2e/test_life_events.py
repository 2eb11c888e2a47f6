# SPDX-License-Identifier: MPL-2.0
"""ワンスオンリー: a resident completes 転入届 and is offered what follows, already filled in (issue 16).

渋谷 花子 signs in through the demo OIDC provider, notifies her move into Shibuya (her sign-in
still carries her previous address, which she corrects to 世田谷区), and on the receipt page is
offered the procedures that usually follow a move, each with its reason. She prepares them in
one press; 国民健康保険 opens with her new address, the household, the people who moved and the
date already in place and marked as coming from her 転入届. She checks each step and submits it.
"""

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from civicloop.core.models import Event

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect
if TYPE_CHECKING:
    from e2e.conftest import Resident

pytestmark = pytest.mark.e2e

UUID = r"[0-9a-f-]{36}"
FROM_TENNYU = "転入届のお答えから入力しました"


def save_and_continue(page: Any) -> None:
    with page.expect_navigation():
        page.locator("main form.form .button-group button[type=submit]").click()


def expect_step(page: Any, step_id: str) -> None:
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/step/{step_id}/$"))


def fill(page: Any, values: dict[str, str]) -> None:
    for selector, value in values.items():
        page.fill(selector, value)


def address(prefix: str, postal: str, city: str, town: str, block: str) -> dict[str, str]:
    return {
        f"#f-{prefix}-postal_code": postal,
        f"#f-{prefix}-prefecture": "東京都",
        f"#f-{prefix}-city": city,
        f"#f-{prefix}-town": town,
        f"#f-{prefix}-block": block,
        f"#f-{prefix}-building": "",
    }


def name(prefix: str) -> dict[str, str]:
    return {
        f"#f-{prefix}-family": "渋谷",
        f"#f-{prefix}-given": "花子",
        f"#f-{prefix}-family_kana": "シブヤ",
        f"#f-{prefix}-given_kana": "ハナコ",
    }


def submit(who: "Resident", name: str) -> None:
    page = who.page
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/check/$"))
    who.checkpoint(f"{name} check")
    page.check("#f-declaration")
    page.get_by_role("button", name="申請する").click()
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/done/$"))


def notify_moving_in(who: "Resident") -> None:
    page = who.page
    who.goto("/procedures/tennyu/")
    page.get_by_role("button", name="サインインして始める").click()
    page.locator("form[action$='/auth/login/start/'] button[type=submit]").click()
    page.get_by_role("button", name=re.compile("渋谷 花子")).click()
    expect_step(page, "notifier")
    page.locator("input[name=applicant_relation][value=self]").check()
    page.fill("#f-contact-phone", "090-1234-5678")
    save_and_continue(page)
    page.locator("input[name=transfer_basis][value=mynumber_card]").check()
    page.fill("#f-moved_in_on", datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat())
    save_and_continue(page)
    # the previous address came from her sign-in, which still has it as it was: she corrects it
    expect_step(page, "old-address")
    fill(page, address("old_address", "154-0001", "世田谷区", "池尻", "3-4-5"))
    save_and_continue(page)
    expect_step(page, "new-address")
    fill(page, address("new_address", "150-0042", "渋谷区", "宇田川町", "2-3"))
    page.locator("input[name=household][value=new]").check()
    fill(page, name("household_head"))
    save_and_continue(page)
    expect_step(page, "movers")
    fill(page, {**name("movers-0-name"), "#f-movers-0-birthdate": "1988-04-12", "#f-movers-0-relationship": "世帯主"})
    page.locator("input[name='movers.0.gender'][value=female]").check()
    save_and_continue(page)
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/attachments/$"))
    page.get_by_role("link", name="次へ進む").click()
    submit(who, "tennyu")


def test_after_moving_in_the_resident_confirms_prefilled_follow_ups_instead_of_retyping(
    resident: "Resident",
) -> None:
    page = resident.page
    # given a 転入届 just submitted
    notify_moving_in(resident)

    # then the receipt page offers what follows a move, each with its reason and what it fills in
    offer = page.locator("section[aria-labelledby=h-follow-ups]")
    expect(offer).to_contain_text("あわせて必要な手続き（引越し）")
    expect(offer).to_contain_text("国民健康保険")
    expect(offer).to_contain_text("転入日から14日以内に国民健康保険の加入の届出が必要です")
    expect(offer).to_contain_text("項目を入力済みにします")
    resident.checkpoint("moving-in received, bundle offered")

    # when she prepares them all in one press
    page.get_by_role("button", name="入力済みで準備する").click()
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/follow-ups/$"))
    figure = page.locator("#bundle-figure")
    expect(figure).to_contain_text("項目を入力済みにしました")
    prefilled = sum(e.data["fields"] for e in Event.objects.filter(type__endswith="application.prefilled"))
    print(f"ワンスオンリー: {prefilled} inputs prefilled across the bundle")
    expect(figure).to_contain_text(f"{prefilled} 項目")
    resident.checkpoint("bundle prepared")

    # and opens 国民健康保険: the choices the move implies are made, and she confirms them
    page.locator(".card", has_text="国民健康保険").get_by_role("link", name=re.compile("確認して進む")).click()
    expect_step(page, "kind")
    expect(page.locator("input[name=change_kind][value=join]")).to_be_checked()
    save_and_continue(page)
    expect_step(page, "join")
    expect(page.locator("#f-join_reason")).to_have_value("moved_in")
    save_and_continue(page)
    # then the household's address is the new one from the 転入届 (not her sign-in's), marked, editable
    expect_step(page, "householder")
    expect(page.locator("#f-householder_address-town")).to_have_value("宇田川町")
    expect(page.locator("#f-householder_address-block")).to_be_editable()
    expect(page.locator("#f-householder-given")).to_have_value("花子")
    expect(page.locator("main")).to_contain_text(FROM_TENNYU)
    resident.checkpoint("health insurance prefilled from the moving-in")
    save_and_continue(page)
    expect_step(page, "insured")
    expect(page.locator("#f-insured-0-name-family")).to_have_value("渋谷")
    expect(page.locator("#f-insured-0-birthdate")).to_have_value("1988-04-12")
    save_and_continue(page)
    if "/attachments/" in page.url:
        page.get_by_role("link", name="次へ進む").click()
    expect(page.locator(".summary").first).to_contain_text(FROM_TENNYU)
    submit(resident, "kokuho-ido")
    expect(page.locator(".receipt-number")).to_have_text(re.compile(r"^\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$"))
    resident.checkpoint("health insurance submitted")
    resident.assert_clean()
