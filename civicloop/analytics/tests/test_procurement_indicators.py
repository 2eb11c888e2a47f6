# SPDX-License-Identifier: MPL-2.0
"""The governance dashboard's procurement indicators, from the published OCDS record."""

# ruff: noqa: F811  (the procurement fixtures are imported by name and requested as arguments)

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from civicloop.analytics.dashboards import procurement
from civicloop.analytics.dashboards.base import Filters, add_months
from civicloop.procurement import actions
from civicloop.procurement.models import PriceApproach, Tender
from civicloop.procurement.tests.conftest import (  # noqa: F401 (fixtures)
    Cast,
    cast,
    make_tender,
    service_of,
)

PRICE_ONLY = [{"name": "価格", "weight": 100, "is_price": True}]


def award(cast: Cast, tender: Tender, freeze: Callable[..., Any], bids: dict[str, int]) -> None:
    for who, price in bids.items():
        supplier, user = getattr(cast, who), getattr(cast, f"{who}_user")
        actions.submit_bid(
            actor=user, tender=tender, supplier=supplier, service=service_of(supplier), price=price, proposal="提案"
        )
    with freeze(tender.bid_deadline + timedelta(seconds=1)):
        actions.open_bids(actor=cast.buyer, tender=tender)
        actions.complete_evaluation(actor=cast.buyer, tender=tender)
        actions.award_tender(actor=cast.buyer, tender=tender)


def period() -> Filters:
    month = timezone.localdate().replace(day=1)
    return Filters(add_months(month, -1), add_months(month, 1))


def test_sme_share_competition_and_price_against_the_estimate(
    cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any]
) -> None:
    # alpha is small, beta large. Tender 1: two bids, alpha wins 600k of an 800k estimate.
    # Tender 2: beta alone, 900k of 900k. Values are below the 決裁 threshold, so both are notified.
    first = make_tender(criteria=PRICE_ONLY, price_approach=PriceApproach.LOWEST_PRICE, estimate=800_000)
    second = make_tender(criteria=PRICE_ONLY, price_approach=PriceApproach.LOWEST_PRICE, estimate=900_000)
    award(cast, first, at, {"alpha": 600_000, "beta": 700_000})
    award(cast, second, at, {"beta": 900_000})
    chart = procurement.indicators(period())
    (row,) = chart.rows  # one department (dx): no whole-municipality row
    values = dict(zip((c.key for c in chart.columns), row, strict=True))
    assert values["awards"] == 2
    assert values["sme_value"] == 40.0  # 600k of 1.5M
    assert values["sme_count"] == 50.0
    assert values["bids_per_tender"] == 1.5 and values["single_bid"] == 1
    assert values["against_estimate"] == 87.5  # median of 75 % and 100 %
    assert 10 <= values["days_to_award"] <= 11  # published now, awarded a second after the 10-day deadline


def test_awards_outside_the_period_or_department_are_not_counted(
    cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any]
) -> None:
    tender = make_tender(criteria=PRICE_ONLY, price_approach=PriceApproach.LOWEST_PRICE, estimate=800_000)
    award(cast, tender, at, {"alpha": 600_000})
    assert procurement.indicators(period()).rows
    long_ago = Filters(date(2020, 1, 1), date(2020, 12, 1))
    assert procurement.indicators(long_ago).rows == []
    other = Filters(period().start, period().end, department="seiso")
    assert procurement.indicators(other).rows == []


def test_the_governance_dashboard_page_shows_the_indicators(
    cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any], client: Any
) -> None:
    from civicloop.accounts.testing import sign_in_with_mfa

    tender = make_tender(criteria=PRICE_ONLY, price_approach=PriceApproach.LOWEST_PRICE, estimate=800_000)
    award(cast, tender, at, {"alpha": 600_000})
    sign_in_with_mfa(client, cast.buyer)
    client.post("/i18n/setlang/", {"language": "en"})
    response = client.get("/staff/dashboards/governance/")
    assert response.status_code == 200
    assert "Procurement indicators" in response.content.decode()
