# SPDX-License-Identifier: MPL-2.0
from collections.abc import Callable
from typing import Any

import pytest

from civicloop.accounts.models import User
from civicloop.cases.models import Case
from civicloop.classification.policy import NotPermitted
from civicloop.core.models import AuditEntry
from civicloop.payments import actions, reconciliation
from civicloop.payments.models import Payment, ReconciliationLine


@pytest.fixture
def paid(case_at_fee: Case, pay: Callable[..., Any]) -> Payment:
    payment = actions.start_checkout(payment=Payment.objects.get(case=case_at_fee), return_url="http://testserver/")
    body, headers = pay(payment)
    actions.receive_webhook(body=body, headers=headers)
    return Payment.objects.get(pk=payment.pk)


def test_a_refund_needs_a_reason_and_is_audited(paid: Payment, koseki_staff: dict[str, User]) -> None:
    clerk = koseki_staff["clerk"]
    with pytest.raises(actions.RefundInvalid):
        actions.refund_payment(payment=paid, clerk=clerk, reason="  ")
    refund = actions.refund_payment(payment=paid, clerk=clerk, reason="二重に請求した", amount_yen=200)
    assert refund.amount_yen == 200
    assert Payment.objects.get(pk=paid.pk).state == Payment.State.CAPTURED
    actions.refund_payment(payment=paid, clerk=clerk, reason="残り")
    payment = Payment.objects.get(pk=paid.pk)
    assert (payment.state, payment.refunded_yen) == (Payment.State.REFUNDED, 600)
    entries = AuditEntry.objects.filter(action="payment.refund", object_id=str(paid.public_id))
    assert [e.data["reason"] for e in entries.order_by("pk")] == ["二重に請求した", "残り"]


def test_no_more_than_was_paid_is_refunded(paid: Payment, koseki_staff: dict[str, User]) -> None:
    with pytest.raises(actions.RefundInvalid):
        actions.refund_payment(payment=paid, clerk=koseki_staff["clerk"], reason="x", amount_yen=601)


def test_a_clerk_of_another_department_cannot_refund(paid: Payment, clerk: User) -> None:
    with pytest.raises(NotPermitted):
        actions.refund_payment(payment=paid, clerk=clerk, reason="間違い")
    assert not paid.refunds.exists()


def test_reconciliation_lists_every_difference_and_counts_the_matches(paid: Payment) -> None:
    # given: the file has our payment, one we never saw, and nothing of a second payment of ours
    other = Payment.objects.create(
        application=paid.application,
        case=paid.case,
        amount_yen=300,
        state=Payment.State.CAPTURED,
        provider="fake",
        provider_payment_id="fpay_ours_only",
        captured_at=paid.captured_at,
    )
    csv = (
        "payment_id,order_ref,amount_yen,kind\n"
        f"{paid.provider_payment_id},{paid.public_id},600,capture\n"
        "fpay_theirs_only,x,450,capture\n"
    )
    # when
    run = reconciliation.import_settlement(data=csv.encode(), file_name="2026-12-06.csv", actor="user/test")
    # then
    assert run.matched == 1
    kinds = {(line.kind, line.provider_payment_id) for line in run.lines.all()}
    assert kinds == {
        (ReconciliationLine.Kind.MISSING_HERE, "fpay_theirs_only"),
        (ReconciliationLine.Kind.MISSING_THERE, other.provider_payment_id),
    }


def test_an_amount_that_differs_is_a_difference(paid: Payment) -> None:
    csv = f"payment_id,order_ref,amount_yen,kind\n{paid.provider_payment_id},{paid.public_id},500,capture\n"
    run = reconciliation.import_settlement(data=csv.encode(), file_name="f.csv", actor="user/test")
    line = run.lines.get()
    assert (line.kind, line.amount_here_yen, line.amount_there_yen) == ("amount_differs", 600, 500)
    assert run.matched == 0


def test_the_command_prints_each_difference(paid: Payment, tmp_path: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "settlement.csv"
    path.write_text(f"payment_id,order_ref,amount_yen,kind\n{paid.provider_payment_id},{paid.public_id},450,capture\n")
    out = StringIO()
    call_command("reconcile_payments", str(path), stdout=out)
    assert "0 matched, 1 difference(s)" in out.getvalue()
    assert f"amount_differs  {paid.provider_payment_id}" in out.getvalue()
