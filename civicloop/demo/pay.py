# SPDX-License-Identifier: MPL-2.0
"""The fake payment provider's hosted page (never installed in production).

It plays the provider's side of the checkout: shows the amount, takes a method (card, コンビニ,
Pay-easy, QR), then delivers the signed capture webhook and sends the browser back. The webhook
goes to the same verification as one arriving over HTTP (payments.actions.receive_webhook): the
dev server serves one request at a time, so it is handed over in-process rather than POSTed.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.core.signing import BadSignature
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from civicloop.integrations.payment import client
from civicloop.integrations.payment.fake import METHODS, FakeProvider
from civicloop.payments.actions import receive_webhook

METHOD_LABELS = {
    "card": "クレジットカード",
    "konbini": "コンビニ払い",
    "payeasy": "Pay-easy（ペイジー）",
    "qr": "QRコード決済",
}


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    provider = client.provider()
    if not isinstance(provider, FakeProvider):
        return HttpResponseBadRequest("the fake provider is not the configured one")
    token = request.GET.get("t", "")
    try:
        found: dict[str, Any] = provider.read_checkout(token)
    except BadSignature:
        return HttpResponseBadRequest("unknown or expired checkout")
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            return redirect(str(found["return"]))
        back = str(found["return"])
        query = capture(provider, found, request.POST.get("method", "card"))
        return redirect(f"{back}{'&' if '?' in back else '?'}{urlencode(query)}")
    return render(
        request,
        "demo/pay_checkout.html",
        {"amount": f"{int(found['amount']):,}", "description": found["desc"], "methods": METHOD_LABELS.items()},
    )


def capture(provider: FakeProvider, found: Mapping[str, Any], method: str) -> dict[str, str]:
    """Pay the checkout `found` (read_checkout) by `method`: deliver the signed capture webhook and
    return the query the browser goes back with. The page's 支払う, and the demo's seeded fees."""
    body, headers = provider.webhook(
        payment_id=str(found["id"]),
        order_ref=str(found["ref"]),
        amount_yen=int(found["amount"]),
        method=method if method in METHODS else "card",
        at=timezone.now(),
    )
    receive_webhook(body=body, headers=headers)
    return provider.return_query(body, headers)
