# SPDX-License-Identifier: MPL-2.0
"""A refund as the clerk's case page and the resident's application page show it: how much, when
(Japan time, in Japanese and in English), by whom for the clerk, and partial or in full."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.cases.models import Case
from civicloop.payments import actions
from civicloop.payments.models import Payment, Refund

# 01:05 UTC is 10:05 in Tokyo: the pages must say the time of day a Japanese clerk or resident lived.
REFUNDED_AT = datetime(2026, 12, 3, 1, 5, tzinfo=UTC)


@pytest.fixture
def paid(case_at_fee: Case, pay: Callable[..., Any]) -> Payment:
    """The resident's 600 yen fee, paid online."""
    payment = actions.start_checkout(payment=Payment.objects.get(case=case_at_fee), return_url="http://testserver/")
    body, headers = pay(payment)
    actions.receive_webhook(body=body, headers=headers)
    return Payment.objects.get(pk=payment.pk)


def _refund(payment: Payment, clerk: User, amount_yen: int) -> None:
    actions.refund_payment(payment=payment, clerk=clerk, reason="1通分の取消し", amount_yen=amount_yen)
    Refund.objects.filter(payment=payment).update(refunded_at=REFUNDED_AT)


def _page(client: Client, url: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def _resident_page(payment: Payment, language: str = "ja") -> str:
    resident = payment.application.applicant
    assert resident is not None
    client = Client()
    client.force_login(resident)
    return _page(client, reverse("applications:application-detail", args=[payment.application.public_id]), language)


def _fee_rows(page: str, key: str) -> list[str]:
    """The values of the fee summary's rows named `key` (a row's name is what a screen reader reads with it)."""
    return re.findall(rf'<dt class="summary__key">{re.escape(key)}</dt> ?<dd class="summary__value">(.*?)</dd>', page)


def _fee_row(page: str, key: str) -> str:
    rows = _fee_rows(page, key)
    assert len(rows) == 1, f"{len(rows)} rows {key!r}"
    return rows[0]


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("ja", "2026年12月3日 10:05に戸籍 係員が200円を返金"),
        ("en", "Refunded 200 yen on 3 December 2026, 10:05 by 戸籍 係員"),
    ],
)
def test_the_case_page_says_when_a_refund_was_made_how_much_and_by_whom(
    paid: Payment, koseki_staff: dict[str, User], language: str, said: str
) -> None:
    # given 200 of the 600 yen refunded by the clerk
    clerk = koseki_staff["clerk"]
    User.objects.filter(pk=clerk.pk).update(full_name="戸籍 係員")
    _refund(paid, clerk, 200)
    # when the clerk opens the case
    client = sign_in_with_mfa(Client(), User.objects.get(pk=clerk.pk))
    page = _page(client, reverse("cases:case-detail", args=[Case.objects.get(payments=paid).public_id]), language)
    # then the refund says its amount, its time in Japan and who made it, and the fee reads as partly refunded
    assert said in page
    assert ("納付済み（一部返金）" if language == "ja" else "Paid, partly refunded") in page


def test_a_resident_sees_a_partial_refund_its_amount_and_date_and_what_they_paid_after_it(
    paid: Payment, koseki_staff: dict[str, User]
) -> None:
    # given a paid fee with nothing refunded: no refund row
    before = _resident_page(paid)
    assert _fee_row(before, "お支払い") == "納付済み"
    assert "手数料の返金" not in before
    # when 200 of the 600 yen is refunded
    _refund(paid, koseki_staff["clerk"], 200)
    # then the page says so in Japanese, each amount in a row named for what it is
    page = _resident_page(paid)
    assert _fee_row(page, "お支払い") == "納付済み（一部返金）"
    assert _fee_row(page, "手数料の返金") == "2026年12月3日 10:05に200円を返金しました。"
    assert _fee_row(page, "返金後のお支払い額") == "400円"
    # and in English
    english = _resident_page(paid, "en")
    assert _fee_row(english, "Payment") == "Paid, partly refunded"
    assert _fee_row(english, "Refund of the fee") == "200 yen was refunded on 3 December 2026, 10:05."
    assert _fee_row(english, "Paid, after the refund") == "400 yen"


def test_a_resident_whose_fee_was_wholly_refunded_is_told_it_was_refunded_in_full(
    paid: Payment, koseki_staff: dict[str, User]
) -> None:
    _refund(paid, koseki_staff["clerk"], 600)
    page = _resident_page(paid)
    assert _fee_row(page, "お支払い") == "全額返金済み"
    assert _fee_row(page, "手数料の返金") == "2026年12月3日 10:05に600円を返金しました。"
    assert "返金後のお支払い額" not in page
    assert _fee_row(_resident_page(paid, "en"), "Payment") == "Refunded in full"


def test_a_resident_sees_each_of_two_partial_refunds_in_the_order_they_were_made(
    paid: Payment, koseki_staff: dict[str, User]
) -> None:
    # given 100 yen refunded, then 200 yen a day later
    clerk = koseki_staff["clerk"]
    actions.refund_payment(payment=paid, clerk=clerk, reason="一部取消し", amount_yen=100)
    actions.refund_payment(payment=Payment.objects.get(pk=paid.pk), clerk=clerk, reason="追加の取消し", amount_yen=200)
    first, second = Refund.objects.filter(payment=paid).order_by("pk")
    Refund.objects.filter(pk=second.pk).update(refunded_at=REFUNDED_AT)
    Refund.objects.filter(pk=first.pk).update(refunded_at=REFUNDED_AT.replace(day=2))
    # when
    rows = _fee_rows(_resident_page(paid), "手数料の返金")
    # then
    assert rows == ["2026年12月2日 10:05に100円を返金しました。", "2026年12月3日 10:05に200円を返金しました。"]
