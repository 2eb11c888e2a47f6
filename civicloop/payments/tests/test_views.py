# SPDX-License-Identifier: MPL-2.0
"""The resident pays from the application page on the provider's page and downloads the receipt."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.cases.models import Case
from civicloop.payments.models import Payment, WebhookEvent

pytestmark = pytest.mark.skipif(
    not __import__("django.conf").conf.settings.DEMO_ENABLED, reason="the fake provider's page is part of the demo"
)


def test_the_resident_pays_on_the_providers_page_and_downloads_the_receipt(
    case_at_fee: Case, resident: User, fake_results: list[str], settings: Any
) -> None:
    # given
    settings.SITE_URL = "http://testserver"
    client = Client()
    client.force_login(resident)
    application = case_at_fee.application
    page = client.get(reverse("applications:application-detail", args=[application.public_id]))
    assert "600" in page.content.decode() and reverse("payments:payment-start", args=[application.public_id]) in (
        page.content.decode()
    )
    # when
    to_provider = client.post(reverse("payments:payment-start", args=[application.public_id]))
    assert to_provider.status_code == 302 and "/demo-pay/checkout/" in to_provider["Location"]
    back = client.post(to_provider["Location"], {"method": "konbini", "action": "pay"})
    client.get(back["Location"])
    # then
    payment = Payment.objects.get(case=case_at_fee)
    assert (payment.state, payment.method) == (Payment.State.CAPTURED, "konbini")
    assert Case.objects.get(pk=case_at_fee.pk).status == Case.Status.CLOSED
    pdf = client.get(reverse("payments:receipt-download", args=[application.public_id]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_another_resident_can_neither_pay_nor_read_the_receipt(case_at_fee: Case, other_resident: User) -> None:
    client = Client()
    client.force_login(other_resident)
    application_id = case_at_fee.application.public_id
    assert client.post(reverse("payments:payment-start", args=[application_id])).status_code == 404
    assert client.get(reverse("payments:receipt-download", args=[application_id])).status_code == 404


def test_the_webhook_endpoint_refuses_a_forged_notice_and_logs_it(case_at_fee: Case, pay: Callable[..., Any]) -> None:
    from civicloop.payments import actions

    payment = actions.start_checkout(payment=Payment.objects.get(case=case_at_fee), return_url="http://testserver/")
    body, headers = pay(payment)
    headers["X-Fake-Pay-Signature"] = "f" * 64
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    response = Client().post(reverse("payments:webhook-receive"), body, content_type="application/json", **extra)
    assert response.status_code == 400
    assert WebhookEvent.objects.get().outcome == WebhookEvent.Outcome.BAD_SIGNATURE
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.DUE
