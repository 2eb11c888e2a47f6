# SPDX-License-Identifier: MPL-2.0
"""Every staff dashboard in a real browser, under the Content-Security-Policy staff get: no console
error and no CSP violation, on loading and while the pointer moves over every chart.

The charts used to be drawn by ECharts in the browser, whose tooltips and SVG set style attributes:
dozens of `style-src` violations per dashboard. They are SVG drawn on the server now; this test
listens for `securitypolicyviolation` events in the page as well as for console messages, and
checks that each chart has its picture and its table.
"""

from typing import TYPE_CHECKING

import pytest

from e2e.test_back_office import staff_member, staff_sign_in

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

if TYPE_CHECKING:
    from e2e.conftest import Resident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Collected from the first moment of every document, before any of the page's own scripts run.
LISTEN_FOR_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
});
"""


def test_every_dashboard_draws_its_charts_without_a_console_error_or_csp_violation(resident: "Resident") -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from civicloop.accounts.models import Position
    from civicloop.analytics.dashboards import DASHBOARDS

    # given: a few months of history for the ward, and a clerk of 清掃リサイクル課
    call_command(
        "generate_history", years=0.3, scale=0.01, seed=5, end=timezone.localdate().isoformat(), rows=False, verbosity=0
    )
    staff_member("e2e-dashboards", Position.KACHO)
    page = resident.page
    resident.prefix = "dashboards-"
    page.context.add_init_script(LISTEN_FOR_CSP)
    staff_sign_in(resident, "e2e-dashboards")

    drawn = 0
    for slug in DASHBOARDS:
        # when: the clerk opens the dashboard and moves the pointer across every chart
        resident.goto(f"/staff/dashboards/{slug}/")
        page.wait_for_load_state("load")
        cards = page.locator(".chart-card:has([data-chart])")
        for i in range(cards.count()):
            card = cards.nth(i)
            chart = card.locator("[data-chart]")
            chart.scroll_into_view_if_needed()
            box = chart.bounding_box()
            assert box is not None
            for across in (0.2, 0.5, 0.8):
                page.mouse.move(box["x"] + box["width"] * across, box["y"] + box["height"] / 2)
            # then: each chart is a picture with a name, and its figures are in a table beside it
            expect(chart.locator("svg[role=img] > title")).not_to_be_empty()
            expect(card.locator("details.chart-table table tbody tr").first).to_be_attached()
            drawn += 1
        resident.checkpoint(f"dashboard {slug}")
        violations = page.evaluate("window.__cspViolations")
        resident.soft_check(not violations, f"{slug}: {len(violations)} CSP violation(s): {violations[:3]}")
    assert drawn >= len(DASHBOARDS), "the history should give every dashboard at least one chart"
    resident.assert_clean()


FITS = """() => [...document.querySelectorAll('.chart')].map(box => ({
  chart: box.dataset.chart, box: box.clientWidth, drawn: box.scrollWidth,
  text: parseFloat(getComputedStyle(box.querySelector('svg text')).fontSize)
    * box.querySelector('svg').getBoundingClientRect().width / box.querySelector('svg').viewBox.baseVal.width,
}))"""


def test_charts_fit_their_cards_on_a_laptop_and_scroll_only_on_a_phone(resident: "Resident") -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from civicloop.accounts.models import Position

    # given: a few months of history, and a 課長 who reads the operations dashboard
    call_command(
        "generate_history", years=0.3, scale=0.01, seed=5, end=timezone.localdate().isoformat(), rows=False, verbosity=0
    )
    staff_member("e2e-chart-widths", Position.KACHO)
    page = resident.page
    resident.prefix = "chart-widths-"
    staff_sign_in(resident, "e2e-chart-widths")

    # when: the window is 1280 px wide (two cards side by side, about 574 px inside each)
    page.set_viewport_size({"width": 1280, "height": 800})
    resident.goto("/staff/dashboards/operations/")
    laptop = page.evaluate(FITS)
    # then: every chart is drawn inside its card, none scrolls
    assert laptop, "the operations dashboard should draw charts"
    assert [c for c in laptop if c["drawn"] > c["box"]] == []

    # when: a phone (375 px): the charts scroll sideways inside their cards, the page does not
    page.set_viewport_size({"width": 375, "height": 800})
    resident.goto("/staff/dashboards/operations/")
    phone = page.evaluate(FITS)
    assert all(c["drawn"] > c["box"] for c in phone)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # and the text of a scrolled chart stays readable (not scaled below 9.5 px)
    assert min(c["text"] for c in phone) >= 9.5
    resident.checkpoint("operations dashboard")
    resident.assert_clean()
