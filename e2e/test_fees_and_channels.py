# SPDX-License-Identifier: MPL-2.0
"""Fees and every channel into one back office, in a real browser: a counter clerk enters an
application that lands in the inbox marked 窓口; a ぴったりサービス export becomes cases once, and
importing it again creates none."""

import re
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import call_command

from e2e.test_back_office import another_person, open_case, staff_member, staff_sign_in
from e2e.test_resident_journey import UUID, collection_day, expect_step, fill, save_and_continue, sign_in_from_here

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

if TYPE_CHECKING:
    from e2e.conftest import Resident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PITTARI_SAMPLE = Path(__file__).resolve().parent.parent / "civicloop" / "intake" / "samples" / "pittari-juminhyo"


def test_a_counter_clerk_enters_an_application_that_lands_in_the_inbox_as_counter(resident: "Resident") -> None:
    staff_member("e2e-counter", "clerk")
    clerk, page = resident, resident.page
    staff_sign_in(clerk, "e2e-counter")

    # The inbox leads to the counter page; the procedure list is the clerk's own department's.
    page.get_by_role("link", name="窓口・電話で受けた申請を入力").click()
    expect(page.locator("h1")).to_have_text("区民の申請を代理入力する")
    clerk.checkpoint("counter start")
    page.get_by_role("button", name="入力を始める").click()  # nothing confirmed yet: refused, nothing lost
    expect(page.locator(".error-summary")).to_be_visible()
    clerk.checkpoint("counter start with error")
    sodai_gomi = page.locator("#id_procedure option", has_text="粗大ごみ").get_attribute("value")
    page.select_option("#id_procedure", sodai_gomi)
    page.get_by_label("窓口", exact=True).check()
    page.get_by_label("運転免許証").check()
    page.get_by_label(re.compile("本人確認を行いました")).check()
    page.fill("#id_email", "counter-resident@example.jp")
    page.get_by_role("button", name="入力を始める").click()

    # From here it is the resident's own form, filled in by the clerk.
    expect_step(page, "applicant")
    fill(
        page,
        {
            "#f-applicant-family": "髙橋",
            "#f-applicant-given": "美咲",
            "#f-applicant-family_kana": "タカハシ",
            "#f-applicant-given_kana": "ミサキ",
            "#f-contact-phone": "03-3463-1211",
        },
    )
    clerk.checkpoint("counter step applicant")
    save_and_continue(page)
    expect_step(page, "items")
    page.select_option("#f-items-0-item", "sofa")
    page.fill("#f-items-0-quantity", "1")
    save_and_continue(page)
    expect_step(page, "collection")
    fill(
        page,
        {
            "#f-collection-address-postal_code": "150-8010",
            "#f-collection-address-prefecture": "東京都",
            "#f-collection-address-city": "渋谷区",
            "#f-collection-address-town": "宇田川町",
            "#f-collection-address-block": "1-1",
            "#f-collection-preferred_date": collection_day(),
        },
    )
    save_and_continue(page)
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/attachments/$"))
    page.locator("main .button-group a.button").click()
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/check/$"))
    clerk.checkpoint("counter check answers")
    page.check("#f-declaration")
    page.get_by_role("button", name="申請する").click()
    expect(page).to_have_url(re.compile(rf"/applications/{UUID}/done/$"))
    receipt = page.locator(".receipt-number").inner_text().strip()
    clerk.checkpoint("counter done")

    # The case is in the department's inbox, marked as a counter application, with who entered it.
    clerk.goto(f"/staff/inbox/?status=all&q={receipt}")
    row = page.locator("tbody tr", has_text=receipt)
    expect(row).to_contain_text("窓口")
    clerk.checkpoint("inbox with the counter case")
    open_case(clerk, receipt)
    expect(page.locator(".facts")).to_contain_text("窓口")
    clerk.checkpoint("counter case")

    from civicloop.applications.models import Application

    application = Application.objects.get(receipt_number=receipt)
    assert application.entered_by is not None
    assert (application.channel, application.entered_by.username) == ("counter", "e2e-counter")
    assert application.identity_checked_with == "driving_licence"
    clerk.assert_clean()


def test_a_pittari_export_becomes_cases_once(resident: "Resident") -> None:
    from civicloop.accounts.models import Department, User

    staff_member("e2e-koseki", "clerk")
    User.objects.get(username="e2e-koseki").departments.set([Department.objects.get(code="koseki_juumin")])

    out = StringIO()
    call_command("import_applications", "pittari-juminhyo", str(PITTARI_SAMPLE), stdout=out)
    assert "imported 2, duplicates 0" in out.getvalue(), out.getvalue()

    clerk, page = resident, resident.page
    staff_sign_in(clerk, "e2e-koseki")
    clerk.goto("/staff/inbox/?status=all")
    rows = page.locator("tbody tr", has_text="ぴったりサービス")
    expect(rows).to_have_count(2)
    clerk.checkpoint("inbox with imported cases")

    again = StringIO()
    call_command("import_applications", "pittari-juminhyo", str(PITTARI_SAMPLE), stdout=again)
    assert "imported 0, duplicates 2" in again.getvalue(), again.getvalue()
    clerk.goto("/staff/inbox/?status=all")
    expect(page.locator("tbody tr", has_text="ぴったりサービス")).to_have_count(2)
    clerk.assert_clean()


def _juminhyo_at_fee(resident_name: str) -> tuple[str, str]:
    """A 住民票の写し (2 copies) of the signed-in demo resident, approved by the 課長 and waiting at
    手数料納付 — the back office's part is driven through its actions (e2e/test_back_office.py
    covers those pages); returns the public ids of the application and of its case."""
    from django.db import transaction
    from django.utils import timezone

    from civicloop.accounts.models import Department, User
    from civicloop.accounts.testing import give_totp
    from civicloop.applications.models import Application
    from civicloop.cases import actions
    from civicloop.cases.models import Case
    from civicloop.catalog.models import Procedure

    applicant = User.objects.filter(full_name=resident_name).latest("pk")
    staff = {}
    for name, position in [("clerk", "clerk"), ("kakari", "kakaricho"), ("ka", "kacho")]:
        user = User.objects.create(
            username=f"e2e-koseki-{name}", kind=User.Kind.STAFF, full_name=name, position=position
        )
        user.departments.add(Department.objects.get(code="koseki_juumin"))
        user.set_password(f"e2e-{user.username}-password")
        user.save()
        give_totp(user)
        staff[name] = user
    with transaction.atomic():
        application = Application.objects.create(
            procedure_version=Procedure.objects.get(code="juminhyo").current_version,
            applicant=applicant,
            status=Application.Status.SUBMITTED,
            submitted_at=timezone.now(),
            receipt_number="E2E-FEE-0001",
            answers={"copies": 2, "scope": "household", "purpose": "other"},
        )
        case = actions.open_case(application=application)
    actions.claim_case(case=case, clerk=staff["clerk"])
    actions.submit_review(case=case, clerk=staff["clerk"], outcome="approve", comment="")
    for level in ("kakari", "ka"):
        case = Case.objects.get(pk=case.pk)
        if case.step == "approval" and case.approval_steps.filter(status="pending").exists():
            actions.act_on_approval(case=case, approver=staff[level], decision="approve")
    assert Case.objects.get(pk=case.pk).step == "fee"
    return str(application.public_id), str(case.public_id)


def test_a_resident_pays_the_fee_on_the_providers_page_and_downloads_the_receipt(
    resident: "Resident", browser: Any
) -> None:
    page = resident.page
    resident.goto("/applications/")
    sign_in_from_here(resident, "渋谷 花子")
    application_id, case_id = _juminhyo_at_fee("渋谷 花子")

    # The application says where it is, how much, and how to pay.
    resident.goto(f"/applications/{application_id}/")
    expect(page.locator(".status")).to_have_text("手数料のお支払い待ち")
    fee = page.locator("section[aria-labelledby=fee-heading]")
    expect(fee).to_contain_text("600円")
    expect(fee).to_contain_text("300円 × 2 = 600円")
    resident.checkpoint("fee due")
    fee.get_by_role("button", name="支払う").click()

    # The provider's hosted page (the fake provider, served under /demo-pay/).
    expect(page).to_have_url(re.compile(r"/demo-pay/checkout/\?t="))
    expect(page.locator("main")).to_contain_text("600円")
    resident.checkpoint("provider page")
    page.get_by_label("コンビニ払い").check()
    page.get_by_role("button", name="600円を支払う").click()

    # Back on the application: paid, the case moved on, the receipt and the result are there.
    expect(page).to_have_url(re.compile(rf"/applications/{application_id}/$"))
    expect(page.locator("main")).to_contain_text("お支払いを確認しました")
    expect(page.locator(".status")).to_have_text("承認")
    expect(fee).to_contain_text("納付済み")
    resident.checkpoint("paid")
    with page.expect_download() as download_info:
        fee.get_by_role("link", name=re.compile("領収書")).click()
    receipt = Path(download_info.value.path())
    assert receipt.read_bytes().startswith(b"%PDF")
    resident.assert_clean()

    # The clerk sees the case paid and closed, and refunds with a reason.
    clerk = another_person(browser, resident, "fee-clerk-")
    staff_sign_in(clerk, "e2e-koseki-clerk")
    clerk.goto(f"/staff/cases/{case_id}/")
    expect(clerk.page.locator("main")).to_contain_text("納付済み")
    clerk.checkpoint("clerk sees the fee paid")
    clerk.page.fill("#refund-reason", "請求の誤りのため")
    clerk.page.get_by_role("button", name="返金する").click()
    expect(clerk.page.locator("main")).to_contain_text("返金しました。")
    expect(clerk.page.locator("main")).to_contain_text("請求の誤りのため")
    clerk.checkpoint("clerk refunded")
    clerk.assert_clean()
