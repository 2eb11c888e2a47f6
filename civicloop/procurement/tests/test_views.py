# SPDX-License-Identifier: MPL-2.0
"""The pages: registration, the supplier's pages, the staff's pages from draft to contract."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.procurement import actions
from civicloop.procurement.models import Bid, Supplier, Tender, TenderStatus, VerificationStatus
from civicloop.procurement.tests.conftest import CORPORATE_NUMBERS, Cast, service_of


def staff_client(user: User) -> Client:
    return sign_in_with_mfa(Client(), user)


def test_a_company_registers_and_is_sent_to_set_up_a_second_factor(db: None) -> None:
    client = Client()
    response = client.post(
        reverse("procurement:supplier-register"),
        {
            "corporate_number": CORPORATE_NUMBERS[0],
            "name": "株式会社テスト",
            "size": "micro",
            "address": "東京都",
            "contact_name": "山田",
            "email": "yamada@example.co.jp",
            "password": "a long enough passphrase 2026",
        },
    )
    assert response.status_code == 302
    supplier = Supplier.objects.get()
    assert supplier.status == VerificationStatus.PENDING and supplier.users.get().is_supplier
    # the middleware asks for a second factor before any page
    home = client.get(reverse("procurement:supplier-home"))
    assert home.status_code == 302 and "/2fa/totp/activate/" in home["Location"]


def test_a_wrong_check_digit_is_refused_at_registration(db: None) -> None:
    response = Client().post(
        reverse("procurement:supplier-register"),
        {
            "corporate_number": "6000012050002",
            "name": "x",
            "size": "micro",
            "address": "x",
            "contact_name": "x",
            "email": "x@example.jp",
            "password": "a long enough passphrase 2026",
        },
    )
    assert response.status_code == 200 and not Supplier.objects.exists()


def test_a_supplier_bids_through_the_pages(cast: Cast, tender: Tender) -> None:
    client = sign_in_with_mfa(Client(), cast.alpha_user)
    page = client.get(reverse("procurement:tender-detail", args=[tender.public_id]))
    assert page.status_code == 200 and "電子申請システム" in page.content.decode()
    response = client.post(
        reverse("procurement:bid-submit", args=[tender.public_id]),
        {"service": str(service_of(cast.alpha).public_id), "price": "1234567", "proposal": "提案"},
    )
    assert response.status_code == 302 and Bid.objects.get().supplier == cast.alpha
    assert client.get(reverse("procurement:supplier-home")).status_code == 200


def test_a_supplier_gets_404_for_another_companys_bid(cast: Cast, tender: Tender) -> None:
    bid = actions.submit_bid(
        actor=cast.beta_user, tender=tender, supplier=cast.beta, service=service_of(cast.beta), price=1, proposal=""
    )
    client = sign_in_with_mfa(Client(), cast.alpha_user)
    assert client.post(reverse("procurement:bid-withdraw", args=[bid.public_id])).status_code == 404


def test_opening_early_from_the_page_is_refused_and_audited(cast: Cast, tender: Tender) -> None:
    from civicloop.core.models import AuditEntry

    client = staff_client(cast.buyer)
    client.post(reverse("procurement:staff-tender-step", args=[tender.public_id, "open"]))
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PUBLISHED
    assert AuditEntry.objects.filter(action="procurement.open_refused").exists()


@pytest.mark.parametrize("name", ["staff-index", "staff-supplier-list", "staff-catalogue", "staff-tender-new"])
def test_the_staff_pages_render(cast: Cast, tender: Tender, name: str) -> None:
    assert staff_client(cast.officer).get(reverse(f"procurement:{name}")).status_code == 200


def test_the_tender_and_supplier_pages_render_for_their_staff(
    cast: Cast, tender: Tender, at: Callable[..., Any]
) -> None:
    actions.submit_bid(
        actor=cast.alpha_user, tender=tender, supplier=cast.alpha, service=service_of(cast.alpha), price=5, proposal="p"
    )
    actions.assign_evaluator(actor=cast.buyer, tender=tender, user=cast.evaluator)
    page = staff_client(cast.buyer).get(reverse("procurement:staff-tender-detail", args=[tender.public_id]))
    assert page.status_code == 200 and "株式会社alpha" in page.content.decode()
    # Before the deadline the opening is shown, disabled, with the reason beside it.
    assert 'disabled aria-describedby="open-hint"' in page.content.decode()
    supplier = staff_client(cast.officer).get(reverse("procurement:staff-supplier-detail", args=[cast.alpha.public_id]))
    assert supplier.status_code == 200
    assert "情報処理業務" in supplier.content.decode() and "it_services" not in supplier.content.decode()
    with at(tender.bid_deadline + timedelta(seconds=1)):
        actions.open_bids(actor=cast.buyer, tender=tender)
    evaluate = staff_client(cast.evaluator).get(reverse("procurement:staff-evaluate", args=[tender.public_id]))
    assert evaluate.status_code == 200
    assert (
        staff_client(cast.outsider).get(reverse("procurement:staff-evaluate", args=[tender.public_id])).status_code
        == 404
    )


def _tender_post(criteria: str) -> dict[str, Any]:
    from django.utils import timezone

    when = timezone.localtime() + timedelta(days=14)
    return {
        "title": "庁内ネットワーク更改",
        "description": "更改と保守",
        "lots": ["hosting"],
        "minimum_grade": "C",
        "price_approach": "most_advantageous",
        "estimate": "3000000",
        "questions_deadline": (when - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "bid_deadline": when.strftime("%Y-%m-%dT%H:%M"),
        "criteria": criteria,
    }


def test_a_clerk_of_one_department_tenders_for_it_with_weights_that_sum_to_100(cast: Cast) -> None:
    # given a clerk of デジタル推進課 only: the form chooses the department for them
    client = staff_client(cast.buyer)
    url = reverse("procurement:staff-tender-new")
    page = client.get(url).content.decode()
    assert "---------" not in page and "selected>デジタル推進課</option>" in page
    # when the weights add up to 90, nothing is made; at 100, with the price line marked in Japanese, it is
    refused = client.post(
        url, {**_tender_post("価格, 40, 価格\n機能, 50"), "department": cast.buyer.departments.get().pk}
    )
    made = client.post(url, {**_tender_post("価格, 40, 価格\n機能, 60"), "department": cast.buyer.departments.get().pk})
    # then
    assert refused.status_code == 200 and "100" in refused.content.decode()
    tender = Tender.objects.get(title="庁内ネットワーク更改")
    assert made.status_code == 302
    assert [(c.name, c.weight, c.is_price) for c in tender.criteria.order_by("order")] == [
        ("価格", 40, True),
        ("機能", 60, False),
    ]


def test_the_department_cancels_a_tender_with_a_reason_and_suppliers_no_longer_see_it(
    cast: Cast, tender: Tender
) -> None:
    # given a sealed bid and the department's clerk on the tender's page, which offers the cancellation
    actions.submit_bid(
        actor=cast.alpha_user, tender=tender, supplier=cast.alpha, service=service_of(cast.alpha), price=5, proposal=""
    )
    client = staff_client(cast.buyer)
    assert (
        'name="reason"'
        in client.get(reverse("procurement:staff-tender-detail", args=[tender.public_id])).content.decode()
    )
    url = reverse("procurement:staff-tender-step", args=[tender.public_id, "cancel"])
    # when the clerk cancels without a reason, and 清掃課's clerk tries; then the department with one
    client.post(url, {"reason": "  "})
    staff_client(cast.outsider).post(url, {"reason": "他課"})
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PUBLISHED
    client.post(url, {"reason": "仕様の見直しのため"})
    # then it is cancelled, its bid never opened, and the supplier's page is gone
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.CANCELLED
    assert Bid.objects.get().price is None
    supplier = sign_in_with_mfa(Client(), cast.alpha_user)
    assert supplier.get(reverse("procurement:tender-detail", args=[tender.public_id])).status_code == 404
