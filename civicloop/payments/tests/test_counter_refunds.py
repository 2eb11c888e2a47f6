# SPDX-License-Identifier: MPL-2.0
"""A fee taken at the counter is paid back (還付) by the municipality — in cash at the counter or by
bank transfer — and recorded on the case: all or part, never more than was paid, by someone who
may work the case, audited, and with no call to the payment provider."""

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.cases import actions as case_actions
from civicloop.cases.models import Case
from civicloop.classification.policy import NotPermitted
from civicloop.core.models import AuditEntry, Event
from civicloop.integrations.payment import client as payment_client
from civicloop.payments import actions
from civicloop.payments.models import Payment, Refund

REFUNDED = "jp.lg.civicloop.payment.refunded"


@pytest.fixture
def at_counter(case_at_fee: Case, koseki_staff: dict[str, User], monkeypatch: pytest.MonkeyPatch) -> Payment:
    """The 600 yen fee, paid in cash at the counter; any call to the provider from here fails the test."""
    case_actions.confirm_fee(case=case_at_fee, clerk=koseki_staff["clerk"], comment="窓口 No.12")

    def no_provider() -> Any:
        raise AssertionError("a counter refund asked the payment provider")

    monkeypatch.setattr(payment_client, "provider", no_provider)
    return Payment.objects.get(case=case_at_fee)


def _state(payment: Payment) -> tuple[Any, ...]:
    fresh = Payment.objects.get(pk=payment.pk)
    return (
        fresh.state,
        fresh.refunded_yen,
        fresh.refunds.count(),
        AuditEntry.objects.filter(action="payment.refund").count(),
        Event.objects.filter(type=REFUNDED).count(),
    )


def test_a_counter_fee_is_paid_back_in_part_then_in_full_and_each_is_audited(
    at_counter: Payment, koseki_staff: dict[str, User]
) -> None:
    # given the 600 yen taken at the counter
    clerk = koseki_staff["clerk"]
    assert at_counter.refundable_yen == 600
    # when 200 yen goes back in cash, then the rest by transfer
    first = actions.refund_counter_payment(
        payment=at_counter, clerk=clerk, reason="1通分の取消し", method="cash", reference="受領書 No.7", amount_yen=200
    )
    payment = Payment.objects.get(pk=at_counter.pk)
    assert (payment.state, payment.refunded_yen, payment.refundable_yen) == (Payment.State.CAPTURED, 200, 400)
    actions.refund_counter_payment(
        payment=payment, clerk=clerk, reason="申請の取下げ", method="transfer", reference="支出命令 2026-0412"
    )
    # then all of it is refunded, each refund says how and its reference, and none has a provider id
    payment = Payment.objects.get(pk=at_counter.pk)
    assert (payment.state, payment.refunded_yen, payment.refundable_yen) == (Payment.State.REFUNDED, 600, 0)
    rows = list(payment.refunds.order_by("pk").values_list("amount_yen", "method", "reference", "provider_refund_id"))
    assert rows == [(200, "cash", "受領書 No.7", None), (400, "transfer", "支出命令 2026-0412", None)]
    assert first.refunded_by == clerk
    entries = AuditEntry.objects.filter(action="payment.refund", object_id=str(payment.public_id)).order_by("pk")
    assert [
        (e.actor, e.data["amount_yen"], e.data["method"], e.data["reference"], e.data["reason"]) for e in entries
    ] == [
        (f"user/{clerk.public_id}", 200, "cash", "受領書 No.7", "1通分の取消し"),
        (f"user/{clerk.public_id}", 400, "transfer", "支出命令 2026-0412", "申請の取下げ"),
    ]
    events = Event.objects.filter(type=REFUNDED, subject=f"payment/{payment.public_id}").order_by("time")
    assert [(e.data["refunded_yen"], e.data["method"]) for e in events] == [(200, "cash"), (400, "transfer")]
    assert all("reason" not in e.data and "reference" not in e.data for e in events)


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"amount_yen": 401, "method": "cash", "reference": "No.8", "reason": "x"}, "amount"),
        ({"amount_yen": 0, "method": "cash", "reference": "No.8", "reason": "x"}, "amount"),
        ({"amount_yen": 100, "method": "card", "reference": "No.8", "reason": "x"}, "method"),
        ({"amount_yen": 100, "method": "cash", "reference": "  ", "reason": "x"}, "reference"),
        ({"amount_yen": 100, "method": "cash", "reference": "No.8", "reason": " "}, "reason"),
    ],
)
def test_more_than_is_left_or_a_refund_without_method_reference_or_reason_is_refused_and_changes_nothing(
    at_counter: Payment, koseki_staff: dict[str, User], form: dict[str, Any], code: str
) -> None:
    # given 200 of the 600 yen already paid back
    clerk = koseki_staff["clerk"]
    actions.refund_counter_payment(
        payment=at_counter, clerk=clerk, reason="先の還付", method="cash", reference="No.7", amount_yen=200
    )
    before = _state(at_counter)
    # when
    with pytest.raises(actions.RefundInvalid) as refused:
        actions.refund_counter_payment(payment=at_counter, clerk=clerk, **form)
    # then
    assert refused.value.code == code
    assert _state(at_counter) == before == (Payment.State.CAPTURED, 200, 1, 1, 1)


def test_a_fully_refunded_counter_fee_has_nothing_left(at_counter: Payment, koseki_staff: dict[str, User]) -> None:
    clerk = koseki_staff["clerk"]
    actions.refund_counter_payment(payment=at_counter, clerk=clerk, reason="取下げ", method="cash", reference="No.7")
    with pytest.raises(actions.RefundInvalid) as refused:
        actions.refund_counter_payment(
            payment=at_counter, clerk=clerk, reason="再度", method="cash", reference="No.9", amount_yen=1
        )
    assert refused.value.code == "state"
    assert Payment.objects.get(pk=at_counter.pk).refunded_yen == 600


def test_someone_who_may_not_work_the_case_cannot_record_a_counter_refund(at_counter: Payment, clerk: User) -> None:
    # `clerk` belongs to another department
    before = _state(at_counter)
    with pytest.raises(NotPermitted):
        actions.refund_counter_payment(
            payment=at_counter, clerk=clerk, reason="間違い", method="cash", reference="No.7", amount_yen=100
        )
    assert _state(at_counter) == before


def test_a_counter_fee_is_never_refunded_through_the_provider_even_after_an_online_checkout(
    case_at_fee: Case, koseki_staff: dict[str, User], payment_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the resident opened the provider's page, then paid at the counter instead
    actions.start_checkout(payment=Payment.objects.get(case=case_at_fee), return_url="http://testserver/")
    case_actions.confirm_fee(case=case_at_fee, clerk=koseki_staff["clerk"])
    payment = Payment.objects.get(case=case_at_fee)
    assert payment.provider_payment_id and payment.is_counter
    monkeypatch.setattr(payment_client, "provider", lambda: pytest.fail("the provider was asked"))
    # when the online refund is tried on it
    with pytest.raises(actions.RefundInvalid) as refused:
        actions.refund_payment(payment=payment, clerk=koseki_staff["clerk"], reason="x", amount_yen=100)
    # then it is refused, and nothing is refunded
    assert refused.value.code == "counter"
    assert _state(payment) == (Payment.State.CAPTURED, 0, 0, 0, 0)


def _post(client: Client, payment: Payment, **form: str) -> list[str]:
    case = Case.objects.get(payments=payment)
    response = client.post(reverse("payments:payment-refund", args=[case.public_id]), form)
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_case_page_offers_the_counter_refund_and_shows_how_it_was_paid_back(
    at_counter: Payment, koseki_staff: dict[str, User]
) -> None:
    # given
    client = sign_in_with_mfa(Client(), koseki_staff["clerk"])
    url = reverse("cases:case-detail", args=[Case.objects.get(payments=at_counter).public_id])
    page = client.get(url).content.decode()
    assert 'name="method" value="cash"' in page and 'name="method" value="transfer"' in page
    assert 'name="reference"' in page and 'value="600"' in page
    # when the clerk records 300 yen transferred back (typed in full-width digits)
    said = _post(
        client, at_counter, amount="３００", method="transfer", reference="振込 2026-12-07-01", reason="過誤納"
    )
    # then
    assert any("300" in message for message in said)
    assert Payment.objects.get(pk=at_counter.pk).refunded_yen == 300
    page = client.get(url).content.decode()
    assert "振込 2026-12-07-01" in page and "過誤納" in page and 'value="300"' in page


def test_the_page_says_why_a_counter_refund_was_refused(at_counter: Payment, koseki_staff: dict[str, User]) -> None:
    client = sign_in_with_mfa(Client(), koseki_staff["clerk"])
    said = _post(client, at_counter, amount="100", method="cash", reference="", reason="過誤納")
    assert len(said) == 1 and ("reference" in said[0] or "受領書" in said[0])
    client.get(reverse("cases:case-list"))  # the message shown, as after the redirect
    said = _post(client, at_counter, amount="601", method="cash", reference="No.7", reason="過誤納")
    assert len(said) == 1 and "600" in said[0]
    assert not Refund.objects.exists()


def test_a_clerk_of_another_department_cannot_refund_through_the_page(at_counter: Payment, clerk: User) -> None:
    client = sign_in_with_mfa(Client(), clerk)
    case = Case.objects.get(payments=at_counter)
    response = client.post(
        reverse("payments:payment-refund", args=[case.public_id]),
        {"amount": "100", "method": "cash", "reference": "No.7", "reason": "x"},
    )
    assert response.status_code == 404
    assert not Refund.objects.exists()
