# SPDX-License-Identifier: MPL-2.0
"""Sign in from a procedure page and land in its form, already filled in from the sign-in.

𠮷田 太郎 opens 児童手当 signed out, presses 「サインインして始める」, signs in at the demo
provider and is taken straight to the first step (no second 「申請を始める」), where his name,
reading, date of birth and address are filled in and marked as coming from the sign-in. He
changes his given name; the check page then marks the rest and not the changed value.
"""

import re
from typing import TYPE_CHECKING

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect
if TYPE_CHECKING:
    from e2e.conftest import Resident

pytestmark = pytest.mark.e2e

FROM_SIGN_IN = "デジタル認証アプリから入力しました"


def test_sign_in_and_start_lands_in_a_form_filled_in_from_the_sign_in(resident: "Resident") -> None:
    page = resident.page
    # given 児童手当, signed out
    resident.goto("/procedures/jido-teate/")
    # when the resident signs in from the start button
    page.get_by_role("button", name="サインインして始める").click()
    expect(page).to_have_url(re.compile(r"/auth/login/\?next=/procedures/jido-teate/start/$"))
    page.locator("form[action$='/auth/login/start/'] button[type=submit]").click()
    page.get_by_role("button", name=re.compile("𠮷田 太郎")).click()
    # then the first step opens with his 基本4情報 in place, marked as coming from the sign-in
    expect(page).to_have_url(re.compile(r"/applications/[0-9a-f-]{36}/step/claimant/$"))
    expect(page.locator("#f-claimant-family")).to_have_value("𠮷田")
    expect(page.locator("#f-claimant-given")).to_have_value("太郎")
    expect(page.locator("#f-claimant-family_kana")).to_have_value("ヨシダ")
    expect(page.locator("#f-claimant_birthdate")).to_have_value("1975-11-03")
    expect(page.locator("#f-claimant_address-town")).to_have_value("神南")
    expect(page.locator("#f-claimant_address-postal_code")).to_have_value("")  # not in the sign-in: his to type
    expect(page.locator("main")).to_contain_text(FROM_SIGN_IN)
    resident.checkpoint("claimant step filled in from the sign-in")

    # when he corrects one value and completes the step
    page.fill("#f-claimant-given", "太朗")
    page.fill("#f-claimant_address-postal_code", "150-0041")
    page.fill("#f-contact-phone", "090-1234-5678")
    with page.expect_navigation():
        page.locator("main form.form .button-group button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/step/spouse-question/$"))

    # then the check page marks the values still as the sign-in gave them, and not his correction
    page.goto(page.url.replace("/step/spouse-question/", "/check/"))
    given_row = page.locator(".summary__row", has_text="太朗")
    family_row = page.locator(".summary__row", has=page.locator(".summary__value", has_text=re.compile("^𠮷田")))
    expect(given_row).not_to_contain_text(FROM_SIGN_IN)
    expect(family_row.first).to_contain_text(FROM_SIGN_IN)
    resident.checkpoint("check page says which answers came from the sign-in")
    resident.assert_clean()
