# SPDX-License-Identifier: MPL-2.0
"""A new member of staff's first sign-in: password, invitation code, set up a TOTP app, then register their phone.

Staff must have a second factor before any staff page, and the first one needs an invitation an
administrator issued: the clerk types the code, is sent to set up the factor, scans (here: reads)
the secret, types the code, keeps the recovery codes, reaches the inbox, then registers this
browser's device as BYOD and gets its one-time enrolment token. axe-core and screenshots on every
page, under the same Content-Security-Policy staff get.
"""

import re
import time
from typing import TYPE_CHECKING

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect
if TYPE_CHECKING:
    from e2e.conftest import Resident

pytestmark = pytest.mark.e2e


def _code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_a_new_clerk_sets_up_a_totp_app_then_registers_a_personal_device(resident: "Resident") -> None:
    from civicloop.accounts.actions import issue_mfa_invitation
    from civicloop.accounts.models import Department, User
    from civicloop.core.models import Event
    from civicloop.devices.models import Device

    clerk = User.objects.create(username="new-clerk", kind=User.Kind.STAFF, full_name="新人 職員")
    clerk.departments.add(Department.objects.get(code="seiso"))
    clerk.set_password("e2e-new-clerk-password")
    clerk.save()
    _invitation, code = issue_mfa_invitation(user=clerk, by=None)  # as `manage.py issue_mfa_invitation`
    page = resident.page
    resident.prefix = "staff-"
    # password only: the clerk has no second factor yet, so they are asked for the invitation first
    resident.goto("/staff/login/")
    page.fill("#id_login", "new-clerk")
    page.fill("#id_password", "e2e-new-clerk-password")
    page.get_by_role("button", name="サインイン", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/account/2fa/invitation/$"))
    expect(page.locator(".notices")).to_contain_text("2段階認証を設定してください")
    expect(page.locator("#invitation-required")).to_contain_text(
        "二要素認証の登録には管理者が発行する招待コードが必要です"
    )
    resident.checkpoint("invitation code")
    page.fill("#id_code", code)
    page.get_by_role("button", name="次へ進む").click()
    expect(page).to_have_url(re.compile(r"/staff/account/2fa/$"))
    resident.checkpoint("second factor overview")
    page.locator("a[href$='/2fa/totp/activate/']").click()
    expect(page.locator("img[src^='data:image/svg+xml;base64,']")).to_be_visible()
    resident.checkpoint("set up a totp app")
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("#id_code", _code(secret))
    page.locator("form[action$='/2fa/totp/activate/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/2fa/recovery-codes/$"))
    expect(page.locator("#recovery_codes")).to_be_visible()
    resident.checkpoint("recovery codes")
    # now the staff pages open
    resident.goto("/staff/inbox/")
    expect(page.locator("h1")).to_have_text("受付一覧")
    page.locator(".site-header__nav").get_by_role("link", name="端末とセキュリティ").click()
    expect(page.locator("h1")).to_have_text("端末とセキュリティ")
    resident.checkpoint("devices and security")
    # register this browser's device as a personal device
    page.fill("#id_name", "私物のスマートフォン")
    page.select_option("#id_platform", "android")
    page.get_by_role("button", name="登録してトークンを受け取る").click()
    expect(page.locator("#enrolment-token")).to_have_text(re.compile(r"^cld_[A-Za-z0-9_-]{40,}$"))
    resident.checkpoint("enrolment token")
    page.get_by_role("link", name="端末とセキュリティに戻る").click()
    expect(page.locator("tbody")).to_contain_text("私物のスマートフォン")
    expect(page.locator("tbody")).to_contain_text("エージェントからまだ報告がありません")
    expect(page.locator("tbody")).to_contain_text("未承認")
    device = Device.objects.get(owner=clerk)
    assert device.kind == Device.Kind.BYOD
    assert Event.objects.filter(type="jp.lg.civicloop.staff.mfa_enrolled", data__factor="totp").exists()
    assert Event.objects.filter(type="jp.lg.civicloop.staff.mfa_invitation_used").count() == 1
    resident.assert_clean()
