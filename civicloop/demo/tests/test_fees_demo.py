# SPDX-License-Identifier: MPL-2.0
"""The demo's fees: requests paid online and at the counter, refunds, one still due, one import; made once."""

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.applications.models import Application
from civicloop.core.models import AuditEntry, Event
from civicloop.demo.fees import FEES, KEY_PREFIX
from civicloop.payments.models import Payment, ReconciliationRun, Refund, WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_payments(settings: Any) -> None:
    """The demo's provider, as CIVICLOOP_DEMO configures it."""
    settings.PAYMENT_PROVIDER = "civicloop.integrations.payment.fake.FakeProvider"
    settings.PAYMENT_WEBHOOK_SECRET = "demo-webhook-secret"


def _counts() -> tuple[int, ...]:
    return (
        Application.objects.filter(submission_key__startswith=KEY_PREFIX).count(),
        Payment.objects.count(),
        Refund.objects.count(),
        WebhookEvent.objects.count(),
        ReconciliationRun.objects.count(),
        AuditEntry.objects.count(),
        Event.objects.count(),
    )


def test_seeding_twice_makes_the_demo_fees_once(catalog: None, demo_payments: None) -> None:
    # given / when: `make run` twice on the same data
    call_command("seed_demo", verbosity=0)
    first = _counts()
    call_command("seed_demo", verbosity=0)
    # then nothing is added the second time
    assert _counts() == first
    assert first[0] == len(FEES)
    # and the fees went through the real states: captured online (a verified webhook) and at the counter
    payments = Payment.objects.filter(application__submission_key__startswith=KEY_PREFIX)
    online = payments.filter(provider="fake", captured_at__isnull=False)
    counter = payments.filter(provider="counter", captured_at__isnull=False)
    assert online.exists() and counter.exists()
    assert all(p.receipt_number for p in [*online, *counter])
    assert WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.APPLIED).count() == online.count()
    # one online fee partly refunded through the provider, one counter fee paid back in full in cash
    partly = payments.get(refunds__method=Refund.Method.PROVIDER)
    assert partly.state == Payment.State.CAPTURED and 0 < partly.refunded_yen < partly.amount_yen
    wholly = payments.get(refunds__method=Refund.Method.CASH)
    assert wholly.state == Payment.State.REFUNDED and wholly.refunded_yen == wholly.amount_yen
    assert all(r.reason for r in Refund.objects.all())
    assert AuditEntry.objects.filter(action="payment.refund").count() == 2
    # one still waits for the resident, with no checkout opened (its page's 支払う opens one)
    due = payments.get(state=Payment.State.DUE)
    assert due.case is not None and due.case.step == "fee" and not due.checkout_url
    # and the provider's file was imported once, every online capture matched
    run = ReconciliationRun.objects.get()
    assert run.matched == online.count() and not run.lines.exists()


def test_the_reconciling_kakaricho_sees_the_import_and_a_paid_case(catalog: None, demo_payments: None) -> None:
    # given
    call_command("seed_demo", verbosity=0)
    client = Client()
    sign_in_with_mfa(client, User.objects.get(username="kakaricho-koseki"))
    run = ReconciliationRun.objects.get()
    refunded = Payment.objects.get(refunds__method=Refund.Method.PROVIDER)
    # when / then
    assert "demo-settlement.csv" in client.get("/staff/payments/reconciliation/").content.decode()
    assert client.get(f"/staff/payments/reconciliation/{run.public_id}/").status_code == 200
    page = client.get(f"/staff/cases/{refunded.case.public_id}/").content.decode()  # type: ignore[union-attr]
    assert str(refunded.receipt_number) in page and "1通多く請求していた" in page
