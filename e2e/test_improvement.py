# SPDX-License-Identifier: MPL-2.0
"""改善 in a real browser: a process owner opens the page, picks a finding of their procedure,
records an action on it and sees the measure before and after, with its counts."""

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from e2e.test_back_office import staff_member, staff_sign_in

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

if TYPE_CHECKING:
    from e2e.conftest import Resident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_process_owner_records_an_action_on_a_finding_and_sees_its_before_and_after(resident: "Resident") -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from civicloop.accounts.models import Position

    # given: a year of the ward's history, and the 課長 of 清掃リサイクル課 (粗大ごみ's process owner)
    today = timezone.localdate()
    call_command("generate_history", years=1, scale=0.03, seed=5, end=today.isoformat(), rows=False, verbosity=0)
    staff_member("e2e-improve", Position.KACHO)
    page = resident.page
    resident.prefix = "improvement-"
    page.set_viewport_size({"width": 1366, "height": 900})
    staff_sign_in(resident, "e2e-improve")

    # when: they open 改善 and the finding about 粗大ごみ収集申込
    resident.goto("/staff/improvement/")
    expect(page.locator("h1")).to_have_text("改善")
    findings = page.locator("#findings table tbody tr")
    expect(findings.first).to_be_visible()
    resident.checkpoint("improvement page")
    page.locator("#findings tbody tr", has_text="粗大ごみ収集申込").first.locator("a").click()
    expect(page.locator("h1")).to_contain_text("粗大ごみ収集申込")
    expect(page.get_by_role("heading", name="対応を記録する")).to_be_visible()

    # and record what they changed, five months ago (4 or 5 month starts back: 3 complete months after)
    taken_on = today - timedelta(days=150)
    page.get_by_label("変更した内容").fill("係長の代理を追加")
    page.get_by_label("有効になった日").fill(taken_on.isoformat())
    page.get_by_role("button", name="対応を記録", exact=True).click()

    # then: the action is listed with the measure either side of its month, counts beside each
    expect(page.get_by_text("対応を記録しました。")).to_be_visible()
    row = page.locator("tr.improvement-action", has_text="係長の代理を追加")
    expect(row).to_be_visible()
    expect(row.locator("[data-side=before]")).to_contain_text(" / ")
    expect(row.locator("[data-side=after]")).to_contain_text(" / ")
    expect(row.locator("td").nth(2)).to_have_text("3")  # three whole months each side
    resident.checkpoint("finding with its action")

    # and the 改善 page lists the action with its effect
    page.locator("a.back-link").click()
    expect(page.locator("#actions tbody tr", has_text="係長の代理を追加")).to_be_visible()
    resident.checkpoint("improvement page with the action")
    resident.assert_clean()
