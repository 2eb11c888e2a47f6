# SPDX-License-Identifier: MPL-2.0
"""The webhook endpoint is rate limited per sending address before it verifies or logs anything."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from civicloop.cases.models import Case
from civicloop.payments import actions
from civicloop.payments.models import Payment, WebhookEvent

FLOODER = "198.51.100.7"
PROVIDER = "203.0.113.20"


def _post(body: bytes, headers: dict[str, str], address: str) -> Any:
    extra: dict[str, Any] = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return Client(REMOTE_ADDR=address).post(
        reverse("payments:webhook-receive"), body, content_type="application/json", **extra
    )


@pytest.fixture
def limit_of_three(settings: Any) -> None:
    cache.clear()
    settings.PAYMENT_WEBHOOK_RATE_LIMIT = 3
    settings.PUBLIC_RATE_WINDOW_S = 600


def test_a_flood_from_one_address_is_cut_off_with_429_and_not_logged_while_others_pass(
    case_at_fee: Case, pay: Callable[..., Any], limit_of_three: None
) -> None:
    # given a forged notice and a genuine one
    payment = actions.start_checkout(payment=Payment.objects.get(case=case_at_fee), return_url="http://testserver/")
    body, headers = pay(payment)
    forged = {**headers, "X-Fake-Pay-Signature": "f" * 64}
    # when one address sends four forgeries
    answers = [_post(body, forged, FLOODER).status_code for _ in range(4)]
    refused = _post(body, headers, FLOODER)
    # then the first three are verified, refused and logged; the rest get 429 and cost no row
    assert answers == [400, 400, 400, 429]
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 600
    assert WebhookEvent.objects.count() == 3
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.DUE
    # and the provider's own address still delivers the genuine capture
    assert _post(body, headers, PROVIDER).status_code == 200
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.CAPTURED


def test_a_limit_of_zero_turns_it_off(case_at_fee: Case, pay: Callable[..., Any], settings: Any) -> None:
    cache.clear()
    settings.PAYMENT_WEBHOOK_RATE_LIMIT = 0
    payment = actions.start_checkout(payment=Payment.objects.get(case=case_at_fee), return_url="http://testserver/")
    body, headers = pay(payment)
    forged = {**headers, "X-Fake-Pay-Signature": "f" * 64}
    assert {_post(body, forged, FLOODER).status_code for _ in range(5)} == {400}
