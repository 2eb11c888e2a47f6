# SPDX-License-Identifier: MPL-2.0
"""A webhook moves a case on only when it is genuine, timely, new, ours and for the fee."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicloop.applications.models import Application
from civicloop.cases.models import Case
from civicloop.core.models import AuditEntry, Event
from civicloop.notifications.models import Message
from civicloop.payments import actions
from civicloop.payments.models import Payment, WebhookEvent


@pytest.fixture
def opened(case_at_fee: Case) -> Payment:
    payment = Payment.objects.get(case=case_at_fee)
    return actions.start_checkout(payment=payment, return_url="http://testserver/back")


def test_the_fee_falls_due_at_the_amount_from_the_answers_and_the_resident_sees_it(case_at_fee: Case) -> None:
    payment = Payment.objects.get(case=case_at_fee)
    assert (payment.amount_yen, payment.state) == (600, Payment.State.DUE)
    assert case_at_fee.application.status == Application.Status.AWAITING_PAYMENT
    assert Event.objects.filter(type="jp.lg.civicloop.payment.requested").count() == 1
    bodies = [m.body for m in Message.objects.filter(template_code="payment.requested")]
    assert bodies and all("600円" in body for body in bodies)
    assert any(str(case_at_fee.application.public_id) in body for body in bodies)


def test_a_verified_capture_pays_and_moves_the_case_on_to_its_result(
    opened: Payment, pay: Callable[..., Any], fake_results: list[str]
) -> None:
    body, headers = pay(opened)
    log = actions.receive_webhook(body=body, headers=headers)
    assert log.outcome == WebhookEvent.Outcome.APPLIED
    payment = Payment.objects.get(pk=opened.pk)
    assert payment.state == Payment.State.CAPTURED and payment.receipt_number
    case = Case.objects.get(payments=opened)
    assert case.status == Case.Status.CLOSED
    assert case.application.status == Application.Status.APPROVED
    assert fake_results == [str(case.public_id)]
    fee_paid = Event.objects.get(type="jp.lg.civicloop.case.fee_paid")
    assert fee_paid.data["amount_yen"] == 600


def test_a_replayed_webhook_changes_nothing_and_is_logged(opened: Payment, pay: Callable[..., Any]) -> None:
    body, headers = pay(opened)
    actions.receive_webhook(body=body, headers=headers)
    events_before = Event.objects.count()
    again = actions.receive_webhook(body=body, headers=headers)
    assert again.outcome == WebhookEvent.Outcome.REPLAYED
    assert Event.objects.count() == events_before
    # the same capture under a new event id (a provider retrying differently) is idempotent too
    body2, headers2 = pay(opened, event_id="another")
    assert actions.receive_webhook(body=body2, headers=headers2).outcome == WebhookEvent.Outcome.REPLAYED
    assert Event.objects.count() == events_before


def test_a_forged_webhook_changes_nothing_and_is_logged(opened: Payment, pay: Callable[..., Any]) -> None:
    body, headers = pay(opened)
    forged = body.replace(b'"method":"card"', b'"method":"qr"')
    log = actions.receive_webhook(body=forged, headers=headers)
    assert log.outcome == WebhookEvent.Outcome.BAD_SIGNATURE
    headers["X-Fake-Pay-Signature"] = "0" * 64
    assert actions.receive_webhook(body=body, headers=headers).outcome == WebhookEvent.Outcome.BAD_SIGNATURE
    assert Payment.objects.get(pk=opened.pk).state == Payment.State.DUE
    assert Case.objects.get(payments=opened).step == "fee"


def test_a_late_webhook_changes_nothing_even_when_correctly_signed(opened: Payment, pay: Callable[..., Any]) -> None:
    body, headers = pay(opened, at=timezone.now() - timedelta(minutes=10))
    log = actions.receive_webhook(body=body, headers=headers)
    assert log.outcome == WebhookEvent.Outcome.LATE
    assert Payment.objects.get(pk=opened.pk).state == Payment.State.DUE


def test_a_webhook_for_the_wrong_amount_changes_nothing_and_is_logged(opened: Payment, pay: Callable[..., Any]) -> None:
    body, headers = pay(opened, amount_yen=300)
    log = actions.receive_webhook(body=body, headers=headers)
    assert log.outcome == WebhookEvent.Outcome.WRONG_AMOUNT
    assert "300 yen, the fee is 600 yen" in log.detail
    assert Payment.objects.get(pk=opened.pk).state == Payment.State.DUE
    assert Case.objects.get(payments=opened).step == "fee"


def test_a_webhook_for_a_payment_we_do_not_know_changes_nothing(
    opened: Payment, provider: Any, case_at_fee: Case
) -> None:
    body, headers = provider.webhook(
        payment_id="fpay_unknown", order_ref=str(opened.public_id), amount_yen=600, method="card", at=timezone.now()
    )
    assert actions.receive_webhook(body=body, headers=headers).outcome == WebhookEvent.Outcome.UNKNOWN_PAYMENT
    assert not AuditEntry.objects.filter(action="case.fee_paid").exists()
