# SPDX-License-Identifier: MPL-2.0
"""A fee owed and paid for an application, its refunds, every webhook received, and reconciliation runs.

A fee paid after approval belongs to the case from the start; a fee paid before submission
(`fee_payment.timing: before_submission`) belongs to the draft and gets its case when the capture
submits the application. Amounts are whole yen in integers (円 has no minor unit). A payment is keyed at the provider by
the `provider_payment_id` of each of its checkouts (unique): a capture for an id already captured
changes nothing, and a second checkout's capture of a payment already paid is kept as one to refund.
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# How the resident paid, as providers report it (card, コンビニ, Pay-easy, QR).
METHOD_LABELS = {
    "card": _("Credit card"),
    "konbini": _("Convenience store"),
    "payeasy": _("Pay-easy"),
    "qr": _("QR code payment"),
    "counter": _("At the counter"),
}

# The provider (and method) of a fee taken at the counter (payments.actions.record_counter_payment).
COUNTER = "counter"


class Payment(models.Model):
    class State(models.TextChoices):
        DUE = "due", _("Awaiting payment")
        CAPTURED = "captured", _("Paid")
        REFUNDED = "refunded", _("Refunded")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey("applications.Application", on_delete=models.PROTECT, related_name="payments")
    # Empty only while a fee paid before submission waits for its application to be submitted.
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    amount_yen = models.PositiveIntegerField()
    # The fee lines as quoted from the catalogue: [{"label_ja", "label_en", "unit_yen", "quantity", "total_yen"}].
    lines = models.JSONField(default=list)
    # When the catalogue says it is paid (catalog.fees.TIMINGS); "outside" for a fee taken at the counter.
    timing = models.CharField(max_length=20, default="after_approval")
    state = models.CharField(max_length=12, choices=State.choices, default=State.DUE)
    provider = models.CharField(max_length=40, blank=True)
    # The checkout the payment was captured through; while due, the one opened last (PaymentCheckout).
    provider_payment_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    method = models.CharField(max_length=20, blank=True)
    receipt_number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    refunded_yen = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["captured_at"])]

    def __str__(self) -> str:
        return f"{self.amount_yen}円 {self.state}"

    @property
    def method_label(self) -> str:
        return str(METHOD_LABELS.get(self.method, self.method))

    @property
    def is_paid(self) -> bool:
        return self.state == self.State.CAPTURED

    @property
    def is_before_submission(self) -> bool:
        """Paid before the application was sent (it has no case until the capture submits it)."""
        return self.timing == "before_submission"

    @property
    def is_counter(self) -> bool:
        """Taken at the counter (cases.actions.confirm_fee): no provider holds this money."""
        return self.provider == COUNTER

    @property
    def refundable_yen(self) -> int:
        """What a refund may still return: the captured amount less what was refunded."""
        # Online, only what the provider took can go back through it; at the counter, the clerk
        # pays it back (Refund.Method) whether or not an online checkout was opened first.
        if self.state != self.State.CAPTURED or not (self.provider_payment_id or self.is_counter):
            return 0
        return self.amount_yen - self.refunded_yen


class PaymentCheckout(models.Model):
    """One hosted page opened at the provider for a payment. A page expires (`expires_at`), so a
    payment may have several; each keeps its id, because the resident may have paid on an old one
    just before it expired and its capture arrives late."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="checkouts")
    provider = models.CharField(max_length=40)
    provider_payment_id = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=2000)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the provider reported money taken on this page.
    captured_at = models.DateTimeField(null=True, blank=True)
    captured_yen = models.PositiveIntegerField(null=True, blank=True)
    # Captured when its payment was already paid (through another checkout, or at the counter):
    # the resident paid twice, and this money is to be refunded (payments.actions.refund_duplicate).
    is_duplicate = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.provider_payment_id

    def is_usable(self, now: datetime, margin: timedelta) -> bool:
        """Still taking payment for at least `margin` (the resident's time to fill in the page)."""
        return now + margin < self.expires_at

    @property
    def needs_refund(self) -> bool:
        """A duplicate capture not yet refunded (uses the prefetched `refunds`)."""
        return self.is_duplicate and not self.refunds.all()


class Refund(models.Model):
    class Method(models.TextChoices):
        # 過誤納金の還付: a fee paid in cash goes back in cash at the counter (the resident signs a
        # 受領書) or, when they cannot come, by transfer to their account after a 還付請求.
        PROVIDER = "provider", _("Through the payment provider")
        CASH = "cash", _("In cash at the counter")
        TRANSFER = "transfer", _("By bank transfer")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_yen = models.PositiveIntegerField()
    reason = models.TextField()
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.PROVIDER)
    # The provider's id of an online refund; empty for one paid back by the municipality.
    provider_refund_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    # A refund paid back by the municipality: the 受領書 number (cash) or the transfer's reference.
    reference = models.CharField(max_length=100, blank=True)
    refunded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    refunded_at = models.DateTimeField()
    # Set on the refund of a duplicate capture: it gives back that checkout's money, not the fee's,
    # so the payment's `refunded_yen` and state are unchanged.
    checkout = models.ForeignKey(
        PaymentCheckout, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )


class WebhookEvent(models.Model):
    """Every webhook received, accepted or not: what came, and what civicloop did with it."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        REPLAYED = "replayed", _("Replayed (no change)")
        BAD_SIGNATURE = "bad_signature", _("Forged or bad signature")
        LATE = "late", _("Outside the timestamp tolerance")
        MALFORMED = "malformed", _("Malformed")
        WRONG_AMOUNT = "wrong_amount", _("Amount differs from the fee")
        UNKNOWN_PAYMENT = "unknown_payment", _("No such payment")
        DUPLICATE = "duplicate", _("Paid twice: to refund")
        IGNORED = "ignored", _("Ignored kind")

    provider = models.CharField(max_length=40)
    provider_event_id = models.CharField(max_length=100, blank=True, db_index=True)
    provider_payment_id = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.CharField(max_length=500, blank=True)
    body_sha256 = models.CharField(max_length=64)


class ReconciliationRun(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.CharField(max_length=40)
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=100)
    matched = models.PositiveIntegerField(default=0)


class ReconciliationLine(models.Model):
    """A difference between the provider's file and civicloop's payments (matches are only counted)."""

    class Kind(models.TextChoices):
        MISSING_HERE = "missing_here", _("In the provider's file, not in civicloop")
        MISSING_THERE = "missing_there", _("Paid in civicloop, not in the provider's file")
        AMOUNT_DIFFERS = "amount_differs", _("Amounts differ")
        DUPLICATE = "duplicate", _("Paid twice: to refund")

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    provider_payment_id = models.CharField(max_length=100)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount_here_yen = models.IntegerField(null=True, blank=True)
    amount_there_yen = models.IntegerField(null=True, blank=True)
