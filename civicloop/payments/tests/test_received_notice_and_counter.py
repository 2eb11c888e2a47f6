# SPDX-License-Identifier: MPL-2.0
"""The resident is told when the fee is received; a fee paid at the counter prints on the decision
and on its own 領収書."""

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.cases import actions as case_actions
from civicloop.cases.models import Case
from civicloop.core.models import AuditEntry
from civicloop.documents import rendering
from civicloop.notifications.models import Message
from civicloop.payments import actions, receipts
from civicloop.payments.models import Payment


def _facts() -> rendering.DocumentFacts:
    return rendering.DocumentFacts(
        kind="decision_notice",
        outcome="approve",
        reason="",
        number="2026-koseki_juumin-00002",
        verification_code="V-CCCC-DDDD",
        issued_at=timezone.now(),
        is_demo=True,
    )


def test_a_captured_fee_sends_the_resident_a_notice_with_the_amount_and_the_receipt(
    case_at_fee: Case, pay: Callable[..., Any]
) -> None:
    payment = actions.start_checkout(payment=Payment.objects.get(case=case_at_fee), return_url="http://testserver/")
    body, headers = pay(payment)
    actions.receive_webhook(body=body, headers=headers)
    actions.receive_webhook(body=body, headers=headers)  # a replay tells nobody twice
    payment = Payment.objects.get(pk=payment.pk)
    notices = Message.objects.filter(template_code="payment.received")
    assert notices.count() >= 1
    assert {m.recipient_id for m in notices} == {case_at_fee.application.applicant_id}
    portal_bodies = [m.body for m in notices]
    assert all("600" in text and str(payment.receipt_number) in text for text in portal_bodies)
    assert any(
        reverse("payments:receipt-download", args=[case_at_fee.application.public_id]) in t for t in portal_bodies
    )
    assert notices.count() == len({m.channel for m in notices})


def test_a_fee_recorded_at_the_counter_prints_on_the_decision_and_on_its_receipt(
    case_at_fee: Case, koseki_staff: dict[str, User], resident: User
) -> None:
    # given the case waits at 手数料納付 with an online payment due, and the resident pays at the counter
    due = Payment.objects.get(case=case_at_fee)
    # when the clerk records it, giving no amount (the catalogue's quote is the fee)
    case_actions.confirm_fee(case=case_at_fee, clerk=koseki_staff["clerk"], comment="窓口 No.12")
    # then the due payment is the counter's, captured with a 領収番号
    payment = Payment.objects.get(pk=due.pk)
    assert (payment.state, payment.provider, payment.method) == (Payment.State.CAPTURED, "counter", "counter")
    assert payment.amount_yen == 600 and payment.receipt_number and payment.refundable_yen == 600
    # and the decision states the fee paid, and the 領収書 says 窓口 and the amount
    case = Case.objects.get(pk=case_at_fee.pk)
    assert "<dt>手数料</dt><dd>600円（納付済み）</dd>" in rendering.render_html(case, _facts())
    html = receipts.receipt_html(payment)
    assert "600円" in html and "窓口" in html and str(payment.receipt_number) in html
    assert AuditEntry.objects.filter(action="payment.counter", object_id=str(payment.public_id)).exists()
    # and the resident is told, and downloads the receipt
    assert Message.objects.filter(template_code="payment.received", recipient=resident).exists()
    client = Client()
    client.force_login(resident)
    pdf = client.get(reverse("payments:receipt-download", args=[case.application.public_id]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_late_online_capture_of_a_fee_paid_at_the_counter_is_kept_to_refund_and_changes_nothing_else(
    case_at_fee: Case, koseki_staff: dict[str, User], pay: Callable[..., Any]
) -> None:
    opened = actions.start_checkout(payment=Payment.objects.get(case=case_at_fee), return_url="http://testserver/")
    case_actions.confirm_fee(case=case_at_fee, clerk=koseki_staff["clerk"])
    body, headers = pay(opened)
    log = actions.receive_webhook(body=body, headers=headers)
    # The resident paid twice: the online money is kept as a duplicate for the clerk to refund.
    assert log.outcome == "duplicate"
    payment = Payment.objects.get(case=case_at_fee)
    assert (payment.provider, payment.state) == ("counter", Payment.State.CAPTURED)
    assert payment.checkouts.get().needs_refund
