# SPDX-License-Identifier: MPL-2.0
"""A hosted checkout expires: the resident who comes back later gets a new one, a late capture of
the old one still pays the fee, and paying on both is kept as one payment plus one to refund."""

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.signing import BadSignature
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.cases.models import Case
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import AuditEntry, Event
from civicloop.integrations.payment.fake import FakeProvider
from civicloop.payments import actions, reconciliation
from civicloop.payments.models import Payment, PaymentCheckout, ReconciliationLine

RETURN_URL = "http://testserver/back/"


@pytest.fixture
def start() -> datetime:
    """When the resident first pressed 支払う."""
    return timezone.now()


def _open(payment: Payment) -> PaymentCheckout:
    """支払う, as the view calls it: the checkout the resident is sent to."""
    opened = actions.start_checkout(payment=payment, return_url=RETURN_URL)
    return PaymentCheckout.objects.get(provider_payment_id=opened.provider_payment_id)


def _capture(provider: FakeProvider, payment: Payment, checkout: PaymentCheckout, event_id: str = "") -> str:
    """The provider's capture webhook for `checkout`, received now; its outcome."""
    body, headers = provider.webhook(
        payment_id=checkout.provider_payment_id,
        order_ref=str(payment.public_id),
        amount_yen=payment.amount_yen,
        method="card",
        at=timezone.now(),
        event_id=event_id,
    )
    return str(actions.receive_webhook(body=body, headers=headers).outcome)


def _settlement(*checkouts: PaymentCheckout) -> bytes:
    rows = [f"{c.provider_payment_id},{c.payment.public_id},{c.captured_yen or 600},capture" for c in checkouts]
    return "\n".join(["payment_id,order_ref,amount_yen,kind", *rows, ""]).encode()


def test_the_resident_who_comes_back_after_the_checkout_expired_is_sent_to_a_new_one_that_works(
    case_at_fee: Case, resident: User, provider: FakeProvider, at: Any, start: datetime
) -> None:
    # given the resident opened the provider's page and left it
    application = case_at_fee.application
    pay_url = reverse("payments:payment-start", args=[application.public_id])
    client = Client()
    with at(start):
        client.force_login(resident)
        first = client.post(pay_url)["Location"]
    # when they come back within the hour, the same page; two hours later, another one
    with at(start + timedelta(minutes=30)):
        assert client.post(pay_url)["Location"] == first
    with at(start + timedelta(hours=2)):
        client.force_login(resident)
        second = client.post(pay_url)["Location"]
        # then the new page takes payment and the old one says it expired
        assert second != first
        assert provider.read_checkout(second.partition("?t=")[2])["ref"] == str(Payment.objects.get().public_id)
        with pytest.raises(BadSignature):
            provider.read_checkout(first.partition("?t=")[2])
    payment = Payment.objects.get(case=case_at_fee)
    assert payment.checkout_url == second and payment.checkouts.count() == 2
    started = Event.objects.filter(
        type=TYPE_PREFIX + "payment.checkout_started", subject=f"payment/{payment.public_id}"
    )
    assert started.count() == 2


def test_a_checkout_about_to_expire_is_replaced_rather_than_handed_out(
    case_at_fee: Case, at: Any, start: datetime
) -> None:
    payment = Payment.objects.get(case=case_at_fee)
    with at(start):
        first = _open(payment)
    # Five minutes left is too little to fill in a card number (the margin is ten).
    with at(first.expires_at - timedelta(minutes=5)):
        second = _open(payment)
    assert second.provider_payment_id != first.provider_payment_id
    assert second.expires_at > first.expires_at


def test_a_late_capture_of_the_old_checkout_still_pays_the_fee_and_reconciles(
    case_at_fee: Case, provider: FakeProvider, at: Any, start: datetime
) -> None:
    # given the resident paid on the first page just before it expired, and opened a second later
    payment = Payment.objects.get(case=case_at_fee)
    with at(start):
        old = _open(payment)
    with at(start + timedelta(hours=2)):
        new = _open(payment)
        # when the first page's capture arrives late
        outcome = _capture(provider, payment, old)
    # then it pays the fee, and names the page paid on for refunds and reconciliation
    assert outcome == "applied"
    paid = Payment.objects.get(pk=payment.pk)
    assert (paid.state, paid.provider_payment_id) == (Payment.State.CAPTURED, old.provider_payment_id)
    assert Case.objects.get(pk=case_at_fee.pk).status == Case.Status.CLOSED
    assert not PaymentCheckout.objects.get(pk=new.pk).captured_at
    # and the provider's file, which lists the old page's id, matches it
    run = reconciliation.import_settlement(
        data=_settlement(PaymentCheckout.objects.get(pk=old.pk)), file_name="f.csv", actor="user/test"
    )
    assert (run.matched, run.lines.count()) == (1, 0)


def test_paying_on_both_checkouts_charges_the_fee_once_and_flags_the_second_to_refund(
    case_at_fee: Case, provider: FakeProvider, koseki_staff: dict[str, User], at: Any, start: datetime
) -> None:
    # given a resident paid on the new page, and then the old page's capture arrives too
    payment = Payment.objects.get(case=case_at_fee)
    with at(start):
        old = _open(payment)
    with at(start + timedelta(hours=2)):
        new = _open(payment)
        assert _capture(provider, payment, new) == "applied"
        receipt_number = Payment.objects.get(pk=payment.pk).receipt_number
        # when
        outcome = _capture(provider, payment, old)
        replay = _capture(provider, payment, old)
    # then the fee is paid once, as it was, and the second capture is kept to refund
    assert (outcome, replay) == ("duplicate", "replayed")
    paid = Payment.objects.get(pk=payment.pk)
    assert (paid.state, paid.receipt_number, paid.refunded_yen) == (Payment.State.CAPTURED, receipt_number, 0)
    assert paid.provider_payment_id == new.provider_payment_id
    subject = f"payment/{payment.public_id}"
    assert Event.objects.filter(type=TYPE_PREFIX + "payment.captured", subject=subject).count() == 1
    assert Event.objects.filter(type=TYPE_PREFIX + "payment.captured_twice", subject=subject).count() == 1
    duplicate = PaymentCheckout.objects.get(pk=old.pk)
    assert duplicate.is_duplicate and duplicate.needs_refund and duplicate.captured_yen == 600
    # and the clerk sees it on the case page, with a way to refund it
    client = sign_in_with_mfa(Client(), koseki_staff["clerk"])
    page = client.get(reverse("cases:case-detail", args=[case_at_fee.public_id])).content.decode()
    assert duplicate.provider_payment_id in page and 'name="duplicate"' in page


@pytest.fixture
def paid_twice(case_at_fee: Case, provider: FakeProvider, at: Any, start: datetime) -> PaymentCheckout:
    """The fee paid on a new page and on the old one too: the old one's capture, a duplicate."""
    payment = Payment.objects.get(case=case_at_fee)
    with at(start):
        old = _open(payment)
    with at(start + timedelta(hours=2)):
        new = _open(payment)
        _capture(provider, payment, new)
        _capture(provider, payment, old)
    return PaymentCheckout.objects.get(pk=old.pk)


def test_reconciliation_lists_a_second_capture_until_the_clerk_refunds_it(
    case_at_fee: Case, paid_twice: PaymentCheckout, koseki_staff: dict[str, User]
) -> None:
    # given the provider's file lists both captures of one payment
    payment = paid_twice.payment
    both = _settlement(*PaymentCheckout.objects.filter(payment=payment).order_by("pk"))
    # when it is imported, then the second is a difference naming the payment
    before = reconciliation.import_settlement(data=both, file_name="before.csv", actor="user/test")
    line = before.lines.get()
    assert (before.matched, line.kind, line.provider_payment_id, line.payment_id) == (
        1,
        ReconciliationLine.Kind.DUPLICATE,
        paid_twice.provider_payment_id,
        payment.pk,
    )
    # when the clerk refunds it from the case page (a reason is needed)
    client = sign_in_with_mfa(Client(), koseki_staff["clerk"])
    refund_url = reverse("payments:payment-refund", args=[case_at_fee.public_id])
    client.post(refund_url, {"duplicate": paid_twice.provider_payment_id, "reason": ""})
    assert not paid_twice.refunds.exists()
    client.post(refund_url, {"duplicate": paid_twice.provider_payment_id, "reason": "二重払い"})
    # then the second payment went back through the provider; the fee stays paid
    refund = paid_twice.refunds.get()
    assert (refund.amount_yen, refund.payment_id, refund.provider_refund_id is not None) == (600, payment.pk, True)
    paid = Payment.objects.get(pk=payment.pk)
    assert (paid.state, paid.refunded_yen, paid.refundable_yen) == (Payment.State.CAPTURED, 0, 600)
    entry = AuditEntry.objects.get(action="payment.refund", object_id=str(payment.public_id))
    assert entry.data["duplicate_of"] == paid_twice.provider_payment_id
    with pytest.raises(actions.RefundInvalid):
        actions.refund_duplicate(checkout=paid_twice, clerk=koseki_staff["clerk"], reason="もう一度")
    # and the next import matches both
    after = reconciliation.import_settlement(data=both, file_name="after.csv", actor="user/test")
    assert (after.matched, after.lines.count()) == (2, 0)


def test_a_clerk_of_another_department_cannot_refund_a_second_capture(
    case_at_fee: Case, paid_twice: PaymentCheckout, clerk: User
) -> None:
    client = sign_in_with_mfa(Client(), clerk)
    response = client.post(
        reverse("payments:payment-refund", args=[case_at_fee.public_id]),
        {"duplicate": paid_twice.provider_payment_id, "reason": "間違い"},
    )
    assert response.status_code == 404
    assert paid_twice.refunds.count() == 0


def test_the_resident_sees_the_fees_refund_not_the_second_payments_among_the_fees_refunds(
    paid_twice: PaymentCheckout, koseki_staff: dict[str, User]
) -> None:
    # given a fee paid twice: the second payment refunded, and 200 yen of the fee refunded too
    payment = paid_twice.payment
    actions.refund_duplicate(checkout=paid_twice, clerk=koseki_staff["clerk"], reason="二重払い")
    actions.refund_payment(payment=payment, clerk=koseki_staff["clerk"], reason="1通分の取消し", amount_yen=200)
    # when the resident opens the application
    resident = payment.application.applicant
    assert resident is not None
    client = Client()
    client.force_login(resident)
    page = client.get(reverse("applications:application-detail", args=[payment.application.public_id]))
    # then the fee's summary lists the one refund of the fee, not the second payment's
    rows = re.findall(
        r'<dt class="summary__key">手数料の返金</dt>\s*<dd class="summary__value">(.*?)</dd>', page.content.decode()
    )
    assert len(rows) == 1 and "200円" in rows[0]


def test_the_resident_who_paid_twice_is_told_so_and_told_again_when_it_is_given_back(
    case_at_fee: Case, paid_twice: PaymentCheckout, koseki_staff: dict[str, User]
) -> None:
    from civicloop.notifications.models import Message

    resident = case_at_fee.application.applicant
    # then, once the second capture arrived, the resident hears it will be given back (no need to pay again)
    told = Message.objects.filter(template_code="payment.paid_twice", recipient=resident)
    assert told.exists() and all("600円" in m.body and "返金" in m.body for m in told)
    assert not Message.objects.filter(template_code="payment.refunded").exists()
    # when the clerk refunds it
    actions.refund_duplicate(checkout=paid_twice, clerk=koseki_staff["clerk"], reason="二重払い")
    # then the resident hears the money went back to what they paid with; the clerk's reason stays in the audit
    refunded = Message.objects.filter(template_code="payment.refunded", recipient=resident)
    assert refunded.exists()
    assert all("二重に支払われた手数料 600円 を返金しました" in m.body and "カード" in m.body for m in refunded)
    assert not any("二重払い" in m.body for m in refunded)


@pytest.mark.parametrize(
    ("method", "duplicate", "japanese", "english"),
    [
        (
            "provider",
            False,
            "お支払いに使われたカード等へ返金されます",
            "goes back to the card or account you paid with",
        ),
        ("cash", False, "窓口で現金でお返ししました", "paid back to you in cash at the counter"),
        ("transfer", True, "ご指定の口座へ振り込みます", "transferred to the account you gave us"),
    ],
)
def test_the_refund_notice_says_how_the_money_comes_back(
    method: str, duplicate: bool, japanese: str, english: str
) -> None:
    from civicloop.notifications.rendering import render

    values = {
        "refunded_yen": "1,200",
        "method": method,
        "duplicate": duplicate,
        "procedure": {"ja": "住民票", "en": "residence certificate"},
    }
    ja, en = render("payment.refunded", "ja", values), render("payment.refunded", "en", values)
    assert japanese in ja.body and "1,200円" in ja.body and english in en.body and "1,200 yen" in en.body
    assert ("二重に支払われた" in ja.body) is duplicate and ("paid twice" in en.body) is duplicate
