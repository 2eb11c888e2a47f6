# SPDX-License-Identifier: MPL-2.0
"""The payment provider adapter: the only code that talks to a payment provider.

civicloop.payments calls `provider()` and the five operations of `PaymentProvider`; which
provider answers is the setting `PAYMENT_PROVIDER` (a dotted path), so a Japanese provider
(card, コンビニ, Pay-easy, QR) plugs in by configuration: docs/payments.md.

Webhooks are trusted only when `verify_signature` accepts them: an HMAC-SHA256 under the shared
secret over `"<timestamp>.<raw body>"`, with the timestamp inside the tolerance. The raw body is
what is signed, never a re-serialised parse of it.
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class PaymentError(Exception):
    """The provider refused or could not be reached; nothing was charged or refunded."""


class WebhookRejected(PaymentError):
    """A webhook that must change nothing: `reason` is "signature", "late" or "malformed"."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Checkout:
    """A hosted payment page opened for one payment: send the resident to `redirect_url` before
    `expires_at`, after which the provider no longer takes payment on it (Stripe Checkout, PAY.JP
    and GMO link-type pages all expire)."""

    provider_payment_id: str
    redirect_url: str
    expires_at: datetime


@dataclass(frozen=True)
class WebhookNotice:
    """A verified webhook: `kind` is "captured" (the only one that moves a case) or another."""

    event_id: str
    kind: str
    provider_payment_id: str
    order_ref: str
    amount_yen: int
    method: str
    occurred_at: datetime


@dataclass(frozen=True)
class RefundResult:
    provider_refund_id: str


@dataclass(frozen=True)
class SettlementLine:
    """One line of the provider's daily reconciliation (settlement) file."""

    provider_payment_id: str
    order_ref: str
    amount_yen: int
    kind: str  # "capture" or "refund"


class PaymentProvider(Protocol):
    name: str

    def create_checkout(self, *, order_ref: str, amount_yen: int, description: str, return_url: str) -> Checkout: ...

    def verify_webhook(self, *, body: bytes, headers: Mapping[str, str], now: datetime) -> WebhookNotice: ...

    def refund(self, *, provider_payment_id: str, amount_yen: int, reason: str) -> RefundResult: ...

    def parse_settlement(self, data: bytes) -> list[SettlementLine]: ...


def provider() -> PaymentProvider:
    """The configured provider (settings.PAYMENT_PROVIDER), built with the webhook secret and tolerance."""
    if not settings.PAYMENT_PROVIDER:
        raise PaymentError("no payment provider is configured (CIVICLOOP_PAYMENT_PROVIDER)")
    cls = import_string(settings.PAYMENT_PROVIDER)
    built: PaymentProvider = cls(
        secret=settings.PAYMENT_WEBHOOK_SECRET, tolerance_seconds=settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS
    )
    return built


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(
    *, secret: str, body: bytes, timestamp: str, signature: str, now: datetime, tolerance_seconds: int
) -> None:
    """Accept the body only if signed under `secret` with a timestamp within the tolerance.

    The signature is compared in constant time; a timestamp outside ±tolerance is refused even
    when correctly signed, so a captured webhook cannot be replayed later (a replay inside the
    window is caught by the event id and the capture's idempotency instead).
    """
    if not secret:
        raise WebhookRejected("signature", "no webhook secret is configured")
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise WebhookRejected("malformed", "timestamp is not a number") from exc
    if not hmac.compare_digest(sign(secret, sent, body), signature):
        raise WebhookRejected("signature", "the signature does not match the body")
    if abs(now.timestamp() - sent) > tolerance_seconds:
        raise WebhookRejected("late", f"signed {int(now.timestamp() - sent)} s ago")
