# SPDX-License-Identifier: MPL-2.0
"""The clerk's partial refund from the case page, and the reconciliation upload for staff."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.cases.models import Case
from civicloop.core.models import AuditEntry
from civicloop.payments import actions
from civicloop.payments.models import Payment, ReconciliationLine, ReconciliationRun


@pytest.fixture
def paid(case_at_fee: Case, pay: Callable[..., Any]) -> Payment:
    payment = actions.start_checkout(payment=Payment.objects.get(case=case_at_fee), return_url="http://testserver/")
    body, headers = pay(payment)
    actions.receive_webhook(body=body, headers=headers)
    return Payment.objects.get(pk=payment.pk)


def _refund(client: Client, payment: Payment, **form: str) -> list[str]:
    case = Case.objects.get(payments=payment)
    response = client.post(reverse("payments:payment-refund", args=[case.public_id]), form)
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_partial_refund_leaves_the_rest_refundable_and_the_page_offers_only_that(
    paid: Payment, koseki_staff: dict[str, User]
) -> None:
    # given
    client = sign_in_with_mfa(Client(), koseki_staff["clerk"])
    # when the clerk refunds 200 of the 600 yen (typed in full-width digits, as an IME may)
    said = _refund(client, paid, amount="２００", reason="1通分の取消し")
    # then
    payment = Payment.objects.get(pk=paid.pk)
    assert (payment.state, payment.refunded_yen, payment.refundable_yen) == (Payment.State.CAPTURED, 200, 400)
    assert any("400" in message for message in said)
    page = client.get(reverse("cases:case-detail", args=[Case.objects.get(payments=paid).public_id]))
    assert 'name="amount"' in page.content.decode() and 'value="400"' in page.content.decode()
    entry = AuditEntry.objects.get(action="payment.refund")
    assert (entry.data["amount_yen"], entry.data["reason"]) == (200, "1通分の取消し")


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"amount": "401", "reason": "x"}, "400"),
        ({"amount": "0", "reason": "x"}, "400"),
        ({"amount": "abc", "reason": "x"}, "300"),
        ({"amount": "", "reason": "x"}, "300"),
        ({"amount": "100", "reason": "  "}, "返金の理由"),
    ],
)
def test_a_refund_over_what_is_left_without_a_number_or_without_a_reason_is_refused_and_said_why(
    paid: Payment, koseki_staff: dict[str, User], form: dict[str, str], expected: str
) -> None:
    # given 200 of 600 yen already refunded
    actions.refund_payment(payment=paid, clerk=koseki_staff["clerk"], reason="先の返金", amount_yen=200)
    client = sign_in_with_mfa(Client(), koseki_staff["clerk"])
    # when
    said = _refund(client, paid, **form)
    # then nothing more is refunded, and the message names the limit or the example
    assert Payment.objects.get(pk=paid.pk).refunded_yen == 200
    assert len(said) == 1 and expected in said[0]


def _reconciler(user: User, *codenames: str) -> Client:
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return sign_in_with_mfa(Client(), User.objects.get(pk=user.pk))


def test_staff_who_may_import_upload_the_daily_file_and_see_the_report(
    paid: Payment, koseki_staff: dict[str, User]
) -> None:
    # given
    client = _reconciler(koseki_staff["ka"], "view_reconciliationrun", "add_reconciliationrun")
    url = reverse("payments:reconciliation-list")
    assert 'type="file"' in client.get(url).content.decode()
    data = (
        "payment_id,order_ref,amount_yen,kind\n"
        f"{paid.provider_payment_id},{paid.public_id},500,capture\n"
        "fpay_theirs_only,x,450,capture\n"
    ).encode()
    # when
    response = client.post(url, {"file": SimpleUploadedFile("2026-12-06.csv", data, content_type="text/csv")})
    # then the report of that import follows, with each difference
    run = ReconciliationRun.objects.get()
    assert response["Location"] == reverse("payments:reconciliation-detail", args=[run.public_id])
    assert set(run.lines.values_list("kind", flat=True)) == {
        ReconciliationLine.Kind.AMOUNT_DIFFERS,
        ReconciliationLine.Kind.MISSING_HERE,
    }
    report = client.get(response["Location"]).content.decode()
    assert "fpay_theirs_only" in report and str(paid.provider_payment_id) in report
    entry = AuditEntry.objects.get(action="payment.reconcile")
    assert entry.actor == f"user/{koseki_staff['ka'].public_id}"


def test_an_unreadable_file_is_refused_with_a_message_and_nothing_is_stored(koseki_staff: dict[str, User]) -> None:
    client = _reconciler(koseki_staff["ka"], "view_reconciliationrun", "add_reconciliationrun")
    url = reverse("payments:reconciliation-list")
    bad = SimpleUploadedFile("statement.pdf", b"%PDF-1.7 not a csv", content_type="application/pdf")
    response = client.post(url, {"file": bad})
    assert response.status_code == 400 and 'aria-invalid="true"' in response.content.decode()
    assert client.post(url, {}).status_code == 400
    assert not ReconciliationRun.objects.exists()


def test_staff_who_may_only_read_runs_see_no_upload_and_cannot_post_one(
    paid: Payment, koseki_staff: dict[str, User]
) -> None:
    client = _reconciler(koseki_staff["ka"], "view_reconciliationrun")
    url = reverse("payments:reconciliation-list")
    assert 'type="file"' not in client.get(url).content.decode()
    data = f"payment_id,order_ref,amount_yen,kind\n{paid.provider_payment_id},{paid.public_id},600,capture\n"
    response = client.post(url, {"file": SimpleUploadedFile("f.csv", data.encode())})
    assert response.status_code == 404
    assert not ReconciliationRun.objects.exists()


def test_the_command_refuses_an_unreadable_file(tmp_path: Any, payment_settings: Any) -> None:
    from django.core.management import CommandError, call_command

    path = tmp_path / "statement.csv"
    path.write_text("date,total\n2026-12-06,1000\n")
    with pytest.raises(CommandError, match="not a settlement file"):
        call_command("reconcile_payments", str(path))
