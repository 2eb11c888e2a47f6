# SPDX-License-Identifier: MPL-2.0
"""The clerk sees paid or unpaid on the case page and refunds with a reason."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.cases.models import Case
from civicloop.core.models import AuditEntry
from civicloop.payments import actions, reconciliation
from civicloop.payments.models import Payment


@pytest.fixture
def paid(case_at_fee: Case, pay: Callable[..., Any]) -> Payment:
    payment = actions.start_checkout(payment=Payment.objects.get(case=case_at_fee), return_url="http://testserver/")
    body, headers = pay(payment)
    actions.receive_webhook(body=body, headers=headers)
    return Payment.objects.get(pk=payment.pk)


def test_the_case_page_shows_unpaid_then_paid(case_at_fee: Case, koseki_staff: dict[str, User], pay: Any) -> None:
    client = sign_in_with_mfa(Client(), koseki_staff["clerk"])
    url = reverse("cases:case-detail", args=[case_at_fee.public_id])
    unpaid = client.get(url).content.decode()
    assert "未納" in unpaid or "Awaiting payment" in unpaid
    payment = actions.start_checkout(payment=Payment.objects.get(case=case_at_fee), return_url="http://testserver/")
    body, headers = pay(payment)
    actions.receive_webhook(body=body, headers=headers)
    page = client.get(url).content.decode()
    assert str(Payment.objects.get(pk=payment.pk).receipt_number) in page
    assert reverse("payments:payment-refund", args=[case_at_fee.public_id]) in page


def test_a_clerk_refunds_with_a_reason_through_the_page_and_it_is_audited(
    paid: Payment, koseki_staff: dict[str, User]
) -> None:
    client = sign_in_with_mfa(Client(), koseki_staff["clerk"])
    url = reverse("payments:payment-refund", args=[Case.objects.get(payments=paid).public_id])
    client.post(url, {"reason": "", "amount": "600"})
    assert not paid.refunds.exists()
    response = client.post(url, {"reason": "請求の誤り", "amount": "600"})
    assert response.status_code == 302
    assert Payment.objects.get(pk=paid.pk).state == Payment.State.REFUNDED
    assert AuditEntry.objects.filter(action="payment.refund", data__reason="請求の誤り").exists()


def test_a_clerk_of_another_department_gets_a_404_and_refunds_nothing(paid: Payment, clerk: User) -> None:
    client = sign_in_with_mfa(Client(), clerk)
    response = client.post(
        reverse("payments:payment-refund", args=[Case.objects.get(payments=paid).public_id]), {"reason": "x"}
    )
    assert response.status_code == 404
    assert not paid.refunds.exists()


def test_the_reconciliation_report_lists_differences_for_those_allowed_only(
    paid: Payment, koseki_staff: dict[str, User]
) -> None:
    from django.contrib.auth.models import Permission

    csv = f"payment_id,order_ref,amount_yen,kind\n{paid.provider_payment_id},{paid.public_id},500,capture\n"
    run = reconciliation.import_settlement(data=csv.encode(), file_name="2026-12-06.csv", actor="user/test")
    url = reverse("payments:reconciliation-detail", args=[run.public_id])
    clerk = koseki_staff["clerk"]
    assert sign_in_with_mfa(Client(), clerk).get(url).status_code == 404
    clerk.user_permissions.add(Permission.objects.get(codename="view_reconciliationrun"))
    clerk = User.objects.get(pk=clerk.pk)
    page = sign_in_with_mfa(Client(), clerk).get(url).content.decode()
    assert str(paid.provider_payment_id) in page and "500" in page and "600" in page
