# SPDX-License-Identifier: MPL-2.0
"""A fake payment provider for the demo and tests; it behaves like the real ones at the seams.

Its hosted page is served by civicloop itself with the demo on (`/demo-pay/`, civicloop.demo.pay);
its checkout is a signed token (no state of its own); its webhooks carry
`X-Fake-Pay-Timestamp` and `X-Fake-Pay-Signature` (client.sign); its settlement file is a CSV
`payment_id,order_ref,amount_yen,kind`.
"""

import base64
import csv
import io
import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from civicloop.integrations.payment.client import (
    Checkout,
    RefundResult,
    SettlementLine,
    WebhookNotice,
    WebhookRejected,
    sign,
    verify_signature,
)

TOKEN_SALT = "civicloop.fake-pay.checkout"  # noqa: S105 - a signing salt, not a secret
TIMESTAMP_HEADER = "X-Fake-Pay-Timestamp"
SIGNATURE_HEADER = "X-Fake-Pay-Signature"
METHODS = ("card", "konbini", "payeasy", "qr")
# How long a checkout takes payment, as a real provider's hosted page (Stripe's default is 24 h).
CHECKOUT_LIFETIME = timedelta(hours=1)


class FakeProvider:
    name = "fake"

    def __init__(self, *, secret: str, tolerance_seconds: int) -> None:
        self.secret = secret
        self.tolerance_seconds = tolerance_seconds

    def create_checkout(self, *, order_ref: str, amount_yen: int, description: str, return_url: str) -> Checkout:
        payment_id = f"fpay_{secrets.token_hex(10)}"
        expires_at = timezone.now() + CHECKOUT_LIFETIME
        token = signing.dumps(
            {
                "id": payment_id,
                "ref": order_ref,
                "amount": amount_yen,
                "desc": description,
                "return": return_url,
                "exp": expires_at.isoformat(),
            },
            salt=TOKEN_SALT,
        )
        return Checkout(payment_id, f"{settings.SITE_URL.rstrip('/')}/demo-pay/checkout/?t={token}", expires_at)

    def verify_webhook(self, *, body: bytes, headers: Mapping[str, str], now: datetime) -> WebhookNotice:
        verify_signature(
            secret=self.secret,
            body=body,
            timestamp=headers.get(TIMESTAMP_HEADER, ""),
            signature=headers.get(SIGNATURE_HEADER, ""),
            now=now,
            tolerance_seconds=self.tolerance_seconds,
        )
        try:
            data = json.loads(body)
            occurred = parse_datetime(str(data["occurred_at"]))
            if occurred is None:
                raise ValueError("occurred_at")
            return WebhookNotice(
                event_id=str(data["id"]),
                kind=str(data["type"]),
                provider_payment_id=str(data["payment_id"]),
                order_ref=str(data["order_ref"]),
                amount_yen=int(data["amount"]),
                method=str(data.get("method", "")),
                occurred_at=occurred,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected("malformed", str(exc)) from exc

    def refund(self, *, provider_payment_id: str, amount_yen: int, reason: str) -> RefundResult:
        return RefundResult(f"fref_{secrets.token_hex(10)}")

    def parse_settlement(self, data: bytes) -> list[SettlementLine]:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        missing = {"payment_id", "order_ref", "amount_yen"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"not a settlement file: no column {', '.join(sorted(missing))}")
        return [
            SettlementLine(row["payment_id"], row["order_ref"], int(row["amount_yen"]), row.get("kind") or "capture")
            for row in reader
        ]

    def verify_return(self, *, query: Mapping[str, str], now: datetime) -> WebhookNotice:
        """The capture the hosted page handed the browser back with (`return_query`): the same
        signed body as its webhook, so the return can apply it when it comes first."""
        try:
            body = base64.urlsafe_b64decode(query.get("fp_body", "").encode())
        except (ValueError, TypeError) as exc:
            raise WebhookRejected("malformed", "fp_body") from exc
        headers = {TIMESTAMP_HEADER: query.get("fp_ts", ""), SIGNATURE_HEADER: query.get("fp_sig", "")}
        return self.verify_webhook(body=body, headers=headers, now=now)

    # -- what the provider's side does (the demo page and tests) ---------------------------------

    def return_query(self, body: bytes, headers: Mapping[str, str]) -> dict[str, str]:
        """What the hosted page appends to the return URL after a capture: the signed webhook body."""
        return {
            "fp_body": base64.urlsafe_b64encode(body).decode(),
            "fp_ts": headers[TIMESTAMP_HEADER],
            "fp_sig": headers[SIGNATURE_HEADER],
        }

    def read_checkout(self, token: str) -> dict[str, object]:
        """The checkout a hosted-page token stands for; BadSignature when it was not ours, and
        SignatureExpired (one of those) once it expired. The expiry in the token is read against
        timezone.now(), so tests that move the clock see the page expire as a resident would."""
        found: dict[str, object] = signing.loads(token, salt=TOKEN_SALT, max_age=CHECKOUT_LIFETIME)
        expires_at = parse_datetime(str(found.get("exp", "")))
        if expires_at is None or timezone.now() >= expires_at:
            raise signing.SignatureExpired("the checkout expired")
        return found

    def webhook(
        self, *, payment_id: str, order_ref: str, amount_yen: int, method: str, at: datetime, event_id: str = ""
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers the provider would POST for a capture, signed at `at`."""
        body = json.dumps(
            {
                "id": event_id or f"fevt_{secrets.token_hex(10)}",
                "type": "captured",
                "payment_id": payment_id,
                "order_ref": order_ref,
                "amount": amount_yen,
                "currency": "JPY",
                "method": method,
                "occurred_at": at.isoformat(),
            },
            separators=(",", ":"),
        ).encode()
        timestamp = int(at.timestamp())
        return body, {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(self.secret, timestamp, body)}
