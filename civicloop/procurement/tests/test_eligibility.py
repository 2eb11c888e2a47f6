# SPDX-License-Identifier: MPL-2.0
"""Who may bid: an approved service in the tender's lot, a current declaration, a grade high enough."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from civicloop.procurement import actions
from civicloop.procurement.errors import NotEligible
from civicloop.procurement.models import (
    Lot,
    Qualification,
    SecurityDeclaration,
    Service,
    Supplier,
    Tender,
    VerificationStatus,
)
from civicloop.procurement.tests.conftest import Cast, service_of


def submit(cast: Cast, tender: Tender, who: str = "alpha") -> None:
    supplier = getattr(cast, who)
    actions.submit_bid(
        actor=getattr(cast, f"{who}_user"),
        tender=tender,
        supplier=supplier,
        service=service_of(supplier),
        price=1,
        proposal="",
    )


def test_a_grade_below_the_minimum_is_refused(cast: Cast, tender: Tender) -> None:
    with pytest.raises(NotEligible, match=r"grade|等級"):
        submit(cast, tender, "gamma")  # grade D, the tender asks C or above


def test_a_service_outside_the_tenders_lots_is_refused(cast: Cast, make_tender: Callable[..., Tender]) -> None:
    tender = make_tender(lots=[Lot.HOSTING])
    with pytest.raises(NotEligible):
        submit(cast, tender)


def test_a_service_awaiting_verification_is_refused(cast: Cast, tender: Tender) -> None:
    Service.objects.filter(supplier=cast.alpha).update(status=VerificationStatus.PENDING)
    with pytest.raises(NotEligible):
        submit(cast, tender)


def test_an_expired_security_declaration_is_refused(cast: Cast, tender: Tender) -> None:
    SecurityDeclaration.objects.filter(service__supplier=cast.alpha).update(expires_on=date.today() - timedelta(days=1))
    with pytest.raises(NotEligible):
        submit(cast, tender)


def test_an_eligible_supplier_bids(cast: Cast, tender: Tender) -> None:
    submit(cast, tender)
    assert tender.bids.count() == 1


def test_a_suspended_company_is_refused_even_with_an_approved_service(cast: Cast, tender: Tender) -> None:
    Supplier.objects.filter(pk=cast.alpha.pk).update(status=VerificationStatus.SUSPENDED)
    cast.alpha.refresh_from_db()
    with pytest.raises(NotEligible):
        submit(cast, tender)


@pytest.mark.parametrize(
    "change",
    [
        {"status": VerificationStatus.PENDING},
        {"valid_until": date.today() - timedelta(days=1)},
        {"valid_from": date.today() + timedelta(days=1)},
    ],
    ids=["awaiting verification", "lapsed yesterday", "valid from tomorrow"],
)
def test_a_qualification_that_does_not_count_today_is_refused(
    cast: Cast, tender: Tender, change: dict[str, object]
) -> None:
    Qualification.objects.filter(supplier=cast.alpha).update(**change)
    with pytest.raises(NotEligible, match=r"grade|等級"):
        submit(cast, tender)


def test_a_grade_above_the_minimum_bids(cast: Cast, make_tender: Callable[..., Tender]) -> None:
    tender = make_tender(minimum_grade="D")  # alpha holds B, which ranks above D
    submit(cast, tender)
    assert tender.bids.count() == 1
