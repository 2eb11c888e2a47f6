# SPDX-License-Identifier: MPL-2.0
"""Every write of the fee payments: the fee falling due, the checkout, a webhook, a refund (the
settlement file's reconciliation: reconciliation.py). Row locks: the Payment first, then (through cases.actions) the Case.

A webhook changes a payment only when the provider's signature verifies, its timestamp is within
the tolerance, its event was not seen before, the checkout is ours and not yet captured, the payment
is still due, and the amount is the fee: anything else is logged (WebhookEvent) and changes nothing,
except a capture of a payment already paid, which is kept on its checkout as a duplicate to refund.
"""

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications import actions as application_actions
from civicloop.applications.models import Application
from civicloop.cases import actions as case_actions
from civicloop.cases.models import Case
from civicloop.catalog import fees
from civicloop.classification.policy import NO_CONTEXT, Action, Context, authorise
from civicloop.core import audit, events
from civicloop.core.identifiers import random_code
from civicloop.integrations.payment import client
from civicloop.payments.models import (
    COUNTER,
    Payment,
    PaymentCheckout,
    Refund,
    WebhookEvent,
)


class RefundInvalid(ValueError):
    """No reason, nothing paid, or more than was paid: nothing was refunded.

    `code` says which: "reason" (none given), "amount" (not between 1 yen and what is left),
    "state" (nothing captured left to refund), "no_case" (paid before submission, not yet sent),
    "counter" (taken at the counter: not through the provider), and for a counter fee paid back
    "method" (neither cash nor transfer) and "reference" (none given, or over 100 characters).
    `left_yen` is what could still be refunded.
    """

    def __init__(self, message: str, *, code: str = "amount", left_yen: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.left_yen = left_yen


class NothingToPay(ValueError):
    """No fee is due before submission: not such a procedure, not a draft, or the answers charge nothing."""


def _record(kind: str, payment: Payment, data: dict[str, Any]) -> None:
    about = {"application": str(payment.application.public_id), "amount_yen": payment.amount_yen}
    if payment.case is not None:
        about["case"] = str(payment.case.public_id)
    events.record(
        kind,
        subject=f"payment/{payment.public_id}",
        data={**about, **data},
        classification=payment.application.classification,
        instance=payment,
    )


def request_fee(*, case: Case) -> Payment | None:
    """The case reached 手数料納付: the fee falls due at the amount quoted from the answers, and
    `payment.requested` tells the resident (civicloop.notifications). None when paid outside civicloop."""
    application = case.application
    definition = application.procedure_version.definition
    if fees.timing(definition) != "after_approval":
        return None
    existing = case.payments.filter(state=Payment.State.DUE).first()
    if existing is not None:
        return existing
    quote = fees.quote(definition, application.answers)
    payment = Payment.objects.create(
        application=application,
        case=case,
        amount_yen=quote.total_yen,
        lines=[line.__dict__ for line in quote.lines],
        timing="after_approval",
    )
    _record("payment.requested", payment, {"department": case.department.code})
    return payment


def request_prepayment(*, application: Application) -> Payment:
    """The fee of a complete draft whose procedure is paid before submission, at today's quote.

    The draft keeps one due payment: reused while its amount still matches the answers, and
    replaced (a new payment, the old one left due and unopened by this page) when the resident
    changed the answers since. NothingToPay when the answers charge nothing.
    """
    definition = application.procedure_version.definition
    if not application.is_draft or fees.timing(definition) != "before_submission":
        raise NothingToPay("not a draft whose fee is paid before submission")
    quote = fees.quote(definition, application.answers)
    if quote.total_yen <= 0:
        raise NothingToPay("the answers charge no fee")
    lines = [line.__dict__ for line in quote.lines]
    with transaction.atomic():
        Application.objects.select_for_update().get(pk=application.pk)
        due = application.payments.filter(state=Payment.State.DUE).order_by("-pk").first()
        if due is not None and due.amount_yen == quote.total_yen and due.lines == lines:
            return due
        payment = Payment.objects.create(
            application=application, amount_yen=quote.total_yen, lines=lines, timing="before_submission"
        )
        _record("payment.requested", payment, {"department": application.department_code, "before_submission": True})
    return payment


def paid_before_submission(application: Application) -> Payment | None:
    """The captured payment that covers the draft's fee as quoted now, if one does."""
    quote = fees.quote(application.procedure_version.definition, application.answers)
    return (
        application.payments.filter(
            state=Payment.State.CAPTURED, timing="before_submission", amount_yen=quote.total_yen
        )
        .order_by("-pk")
        .first()
    )


def submit_prepaid(*, payment: Payment) -> Application:
    """Submit the draft a captured fee was paid for: the receipt number is issued and the case
    opened (applications.actions.submit_application), and the case notes the fee paid.

    Idempotent: an application already submitted is returned as it is. SubmissionInvalid when the
    answers no longer pass (the draft stays a draft, the payment stays captured: the resident
    fixes the answers and sends it without paying again); FeeUnpaid when the answers now charge
    another amount than was paid.
    """
    with transaction.atomic():
        locked = Payment.objects.select_for_update().select_related("application").get(pk=payment.pk)
        application = locked.application
        if not application.is_draft:
            return application
        if paid_before_submission(application) is None:
            raise application_actions.FeeUnpaid
        submitted = application_actions.submit_application(
            application=application, submission_key=f"web:{application.public_id}", fee_paid=True
        )
        case = Case.objects.get(application=submitted)
        locked.case = case
        locked.save(update_fields=["case"])
        case_actions.record_prepaid_fee(
            case=case, amount_yen=locked.amount_yen, method=locked.method, reference=locked.receipt_number or ""
        )
    return submitted


# A checkout this close to its expiry is not handed out: the resident would reach a page that
# dies while they type their card number, so a new one is opened instead.
CHECKOUT_MARGIN = timedelta(minutes=10)


def start_checkout(*, payment: Payment, return_url: str) -> Payment:
    """Open the provider's hosted page for a due payment; the caller redirects to `checkout_url`.

    The page opened last is reused while it takes payment for more than CHECKOUT_MARGIN; once it
    has (nearly) expired a new one is opened and becomes `checkout_url`. Every checkout is kept
    (PaymentCheckout), so a capture of an older one still pays this payment.
    """
    with transaction.atomic():
        locked = Payment.objects.select_for_update().select_related("application__procedure_version").get(pk=payment.pk)
        if locked.state != Payment.State.DUE:
            return locked
        latest = locked.checkouts.order_by("-created_at", "-pk").first()
        if latest is not None and latest.is_usable(timezone.now(), CHECKOUT_MARGIN):
            return locked
        provider = client.provider()
        version = locked.application.procedure_version
        checkout = provider.create_checkout(
            order_ref=str(locked.public_id),
            amount_yen=locked.amount_yen,
            description=f"{settings.LG_NAME_JA}（{version.name_ja}）",
            return_url=return_url,
        )
        PaymentCheckout.objects.create(
            payment=locked,
            provider=provider.name,
            provider_payment_id=checkout.provider_payment_id,
            url=checkout.redirect_url,
            expires_at=checkout.expires_at,
        )
        locked.provider = provider.name
        locked.provider_payment_id = checkout.provider_payment_id
        locked.checkout_url = checkout.redirect_url
        locked.save(update_fields=["provider", "provider_payment_id", "checkout_url"])
        _record("payment.checkout_started", locked, {"provider": provider.name})
    return locked


def receive_webhook(*, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
    """Verify a provider's webhook and apply a capture at most once; every call leaves a log row."""
    provider = client.provider()
    return _receive(provider.name, body, lambda now: provider.verify_webhook(body=body, headers=headers, now=now))


def receive_return(*, query: Mapping[str, str]) -> WebhookEvent | None:
    """The browser came back from the provider's page. A provider that signs what it hands the
    return (its optional `verify_return`) lets the return apply the capture when it arrives before
    the webhook: the same checks, the same log row, the same capture at most once. Otherwise None:
    the webhook decides, and the return page only reports."""
    provider = client.provider()
    verify = getattr(provider, "verify_return", None)
    if verify is None or not query:
        return None
    raw = "&".join(f"{k}={v}" for k, v in sorted(query.items())).encode()
    return _receive(provider.name, raw, lambda now: verify(query=query, now=now))


def _receive(provider_name: str, body: bytes, verify: Callable[[datetime], client.WebhookNotice]) -> WebhookEvent:
    now = timezone.now()
    log = WebhookEvent(provider=provider_name, received_at=now, body_sha256=hashlib.sha256(body).hexdigest())
    try:
        notice = verify(now)
    except client.WebhookRejected as exc:
        outcome = {"signature": WebhookEvent.Outcome.BAD_SIGNATURE, "late": WebhookEvent.Outcome.LATE}
        log.outcome = outcome.get(exc.reason, WebhookEvent.Outcome.MALFORMED)
        log.detail = str(exc)[:500]
        log.save()
        return log
    log.provider_event_id = notice.event_id
    log.provider_payment_id = notice.provider_payment_id
    with transaction.atomic():
        log.outcome, log.detail = _apply(notice)
        log.save()
    return log


def _apply(notice: client.WebhookNotice) -> tuple[str, str]:
    if notice.kind != "captured":
        return WebhookEvent.Outcome.IGNORED, notice.kind
    if WebhookEvent.objects.filter(provider_event_id=notice.event_id, outcome=WebhookEvent.Outcome.APPLIED).exists():
        return WebhookEvent.Outcome.REPLAYED, "event already applied"
    checkout = _lock_checkout(notice.provider_payment_id)
    if checkout is None or str(checkout.payment.public_id) != notice.order_ref:
        return WebhookEvent.Outcome.UNKNOWN_PAYMENT, "no payment with this id and order"
    payment = checkout.payment
    if checkout.captured_at is not None:
        return WebhookEvent.Outcome.REPLAYED, "checkout already captured"
    if payment.state != Payment.State.DUE:
        _record_duplicate(checkout, notice)
        return WebhookEvent.Outcome.DUPLICATE, f"payment already {payment.state}; {notice.amount_yen} yen to refund"
    if notice.amount_yen != payment.amount_yen:
        _record("payment.amount_mismatch", payment, {"received_yen": notice.amount_yen})
        return WebhookEvent.Outcome.WRONG_AMOUNT, f"{notice.amount_yen} yen, the fee is {payment.amount_yen} yen"
    _capture(payment, checkout, notice)
    return WebhookEvent.Outcome.APPLIED, ""


def _lock_checkout(provider_payment_id: str) -> PaymentCheckout | None:
    """The checkout a capture names, once its payment is locked; None when no checkout has that id."""
    payment_id = (
        PaymentCheckout.objects.filter(provider_payment_id=provider_payment_id)
        .values_list("payment_id", flat=True)
        .first()
    )
    if payment_id is None:
        return None
    # Every write to a payment's checkouts holds its payment's lock, so that one lock is enough.
    Payment.objects.select_for_update().get(pk=payment_id)
    return PaymentCheckout.objects.select_related("payment__application", "payment__case__department").get(
        provider_payment_id=provider_payment_id
    )


def _record_duplicate(checkout: PaymentCheckout, notice: client.WebhookNotice) -> None:
    """The resident paid a payment already paid (on another checkout, or at the counter): the money
    is kept as a duplicate for staff to refund (the case page and reconciliation show it); the
    payment, its 領収番号 and its case are unchanged."""
    checkout.captured_at = notice.occurred_at
    checkout.captured_yen = notice.amount_yen
    checkout.is_duplicate = True
    checkout.save(update_fields=["captured_at", "captured_yen", "is_duplicate"])
    _record(
        "payment.captured_twice",
        checkout.payment,
        {"provider_payment_id": checkout.provider_payment_id, "received_yen": notice.amount_yen},
    )


def _save_captured(payment: Payment, fields: list[str]) -> None:
    """Save a capture with a new 領収番号 (retried in a savepoint on the rare unique clash)."""
    for attempt in range(5):
        payment.receipt_number = random_code("R")
        try:
            with transaction.atomic():
                payment.save(update_fields=[*fields, "receipt_number"])
            return
        except IntegrityError:
            if attempt == 4:
                raise


def _capture(payment: Payment, checkout: PaymentCheckout, notice: client.WebhookNotice) -> None:
    checkout.captured_at = notice.occurred_at
    checkout.captured_yen = notice.amount_yen
    checkout.save(update_fields=["captured_at", "captured_yen"])
    payment.state = Payment.State.CAPTURED
    payment.method = notice.method[:20]
    payment.captured_at = notice.occurred_at
    # The checkout paid on, which may be an older one than the last opened: refunds and
    # reconciliation name this id at the provider.
    payment.provider_payment_id = checkout.provider_payment_id
    _save_captured(payment, ["state", "method", "captured_at", "provider_payment_id"])
    if payment.case is None:
        # Sent first, so the event (and the resident's notice) names the application's 受付番号.
        _submit_after_capture(payment)
        payment.refresh_from_db(fields=["case"])
        _record("payment.captured", payment, {"method": payment.method, "receipt_number": payment.receipt_number})
        return
    _record("payment.captured", payment, {"method": payment.method, "receipt_number": payment.receipt_number})
    case_actions.record_fee_payment(
        case=payment.case, amount_yen=payment.amount_yen, method=payment.method, reference=payment.receipt_number or ""
    )


def _submit_after_capture(payment: Payment) -> None:
    """A fee paid before submission: the capture sends the application. If the answers no longer
    pass, the capture still stands and the draft waits for the resident (the return page says so)."""
    try:
        with transaction.atomic():
            submit_prepaid(payment=payment)
    except application_actions.SubmissionInvalid:
        return


def record_counter_payment(*, case: Case, amount_yen: int, reference: str) -> Payment:
    """A clerk recorded the fee as paid at the counter (cases.actions.confirm_fee): the payment is
    captured with a 領収番号, so the 領収書 prints and the resident is told, as for one paid online.

    The due online payment, if any, becomes this one (provider "counter"): a late online capture
    of it is then refused as replayed, and the provider's file shows it as missing here.
    """
    application = case.application
    payment = case.payments.select_for_update().filter(state=Payment.State.DUE).order_by("-pk").first()
    if payment is None:
        quote = fees.quote(application.procedure_version.definition, application.answers)
        payment = Payment(
            application=application,
            case=case,
            lines=[line.__dict__ for line in quote.lines],
            timing=fees.timing(application.procedure_version.definition) or "outside",
        )
    payment.amount_yen = amount_yen
    payment.state = Payment.State.CAPTURED
    payment.provider = COUNTER
    payment.method = COUNTER
    payment.captured_at = timezone.now()
    if payment.pk is None:
        payment.save()
    _save_captured(payment, ["amount_yen", "state", "provider", "method", "captured_at"])
    _record("payment.captured", payment, {"method": "counter", "receipt_number": payment.receipt_number})
    audit.record(
        actor="system/payments",
        action="payment.counter",
        object_type="payment",
        object_id=str(payment.public_id),
        data={"case": str(case.public_id), "amount_yen": amount_yen, "reference": reference[:100]},
        classification=case.classification,
    )
    return payment


def refund_payment(
    *, payment: Payment, clerk: User, reason: str, amount_yen: int | None = None, context: Context = NO_CONTEXT
) -> Refund:
    """Refund (all or part of) a payment captured online through the provider, with a reason; audited.

    Only someone who may work the case refunds it. RefundInvalid when nothing is left to refund,
    and for a fee taken at the counter (code "counter": `refund_counter_payment` pays it back).
    """
    reason = reason.strip()
    with transaction.atomic():
        locked, case = _lock_for_refund(payment, clerk, context)
        if locked.is_counter:
            raise RefundInvalid("a fee taken at the counter is paid back by the municipality", code="counter")
        amount = _refund_amount(locked, reason, amount_yen)
        assert locked.provider_payment_id is not None  # _refund_amount: refundable_yen needs it online
        result = client.provider().refund(
            provider_payment_id=locked.provider_payment_id, amount_yen=amount, reason=reason
        )
        refund = Refund(amount_yen=amount, reason=reason, provider_refund_id=result.provider_refund_id)
        _save_refund(refund, locked, case, clerk, {"provider_refund_id": refund.provider_refund_id})
    return refund


def refund_counter_payment(
    *,
    payment: Payment,
    clerk: User,
    reason: str,
    method: str,
    reference: str,
    amount_yen: int | None = None,
    context: Context = NO_CONTEXT,
) -> Refund:
    """Record (all or part of) a fee taken at the counter as paid back (還付) by the municipality:
    in cash at the counter or by bank transfer (`Refund.Method`), with a reason and the reference
    (the 受領書 number, or the transfer's). No provider is asked; audited as `payment.refund`.

    Only someone who may work the case records it. RefundInvalid (nothing changed) for a payment
    not taken at the counter (code "state"), no reason, no reference, an unknown method, or an
    amount outside 1 … what is left.
    """
    reason, reference = reason.strip(), reference.strip()
    with transaction.atomic():
        locked, case = _lock_for_refund(payment, clerk, context)
        if not locked.is_counter:
            raise RefundInvalid("only a fee taken at the counter is paid back here", code="state")
        amount = _refund_amount(locked, reason, amount_yen)
        if method not in (Refund.Method.CASH, Refund.Method.TRANSFER):
            raise RefundInvalid(f"{method!r} is not a way to pay back a counter fee", code="method")
        if not reference or len(reference) > 100:
            raise RefundInvalid("a refund paid back by the municipality needs its reference", code="reference")
        refund = Refund(amount_yen=amount, reason=reason, method=method, reference=reference)
        _save_refund(refund, locked, case, clerk, {"method": method, "reference": reference})
    return refund


def refund_duplicate(*, checkout: PaymentCheckout, clerk: User, reason: str, context: Context = NO_CONTEXT) -> Refund:
    """Give back, through the provider, all the money of a checkout captured when its payment was
    already paid (`is_duplicate`); audited as `payment.refund` with the checkout's id.

    The fee itself stays paid: the payment's `refunded_yen` and state are unchanged. Only someone
    who may work the case refunds it. RefundInvalid when there is no reason (code "reason") or the
    checkout is not an unrefunded duplicate (code "state").
    """
    reason = reason.strip()
    with transaction.atomic():
        locked, case = _lock_for_refund(checkout.payment, clerk, context)
        duplicate = PaymentCheckout.objects.get(pk=checkout.pk, payment=locked)
        if not reason:
            raise RefundInvalid("a refund needs a reason", code="reason")
        if not duplicate.is_duplicate or duplicate.refunds.exists() or not duplicate.captured_yen:
            raise RefundInvalid("only a second capture not yet refunded is refunded here", code="state")
        result = client.provider().refund(
            provider_payment_id=duplicate.provider_payment_id, amount_yen=duplicate.captured_yen, reason=reason
        )
        refund = Refund(
            checkout=duplicate,
            amount_yen=duplicate.captured_yen,
            reason=reason,
            provider_refund_id=result.provider_refund_id,
        )
        about = {"provider_refund_id": refund.provider_refund_id, "duplicate_of": duplicate.provider_payment_id}
        _save_refund(refund, locked, case, clerk, about)
    return refund


def _lock_for_refund(payment: Payment, clerk: User, context: Context) -> tuple[Payment, Case]:
    """The payment, locked (before its case, the documented order), once the clerk may work its case."""
    locked = Payment.objects.select_for_update(of=("self",)).select_related("case__department").get(pk=payment.pk)
    case = locked.case
    if case is None:
        raise RefundInvalid("a fee paid before submission is refunded once its application has a case", code="no_case")
    authorise(clerk, Action.WORK, case, context)
    return locked, case


def _refund_amount(locked: Payment, reason: str, amount_yen: int | None) -> int:
    """The amount to refund (by default all that is left), or RefundInvalid saying what is wrong."""
    left = locked.refundable_yen
    amount = left if amount_yen is None else amount_yen
    if not reason:
        raise RefundInvalid("a refund needs a reason", code="reason", left_yen=left)
    if left <= 0:
        raise RefundInvalid(f"nothing is left to refund of a {locked.state} payment", code="state")
    if amount <= 0 or amount > left:
        raise RefundInvalid(f"{amount} yen cannot be refunded; {left} yen is left", code="amount", left_yen=left)
    return amount


def _save_refund(refund: Refund, locked: Payment, case: Case, clerk: User, about: dict[str, Any]) -> None:
    """Store the refund, lower what is left of the fee (all refunded: `refunded`), audit and record
    it. A second capture's refund (`refund.checkout` set) gives back money that was never the fee:
    the fee's balance and state stay as they are."""
    refund.payment = locked
    refund.refunded_by = clerk
    refund.refunded_at = timezone.now()
    refund.save()
    duplicate = refund.checkout_id is not None
    if not duplicate:
        locked.refunded_yen += refund.amount_yen
        if locked.refunded_yen == locked.amount_yen:
            locked.state = Payment.State.REFUNDED
        locked.save(update_fields=["refunded_yen", "state"])
    audit.record(
        actor=f"user/{clerk.public_id}",
        action="payment.refund",
        object_type="payment",
        object_id=str(locked.public_id),
        data={"amount_yen": refund.amount_yen, "reason": refund.reason, **about, "case": str(case.public_id)},
        classification=case.classification,
    )
    # The reason and the reference stay in the audit entry: events carry codes, not what people wrote.
    refunded = {"refunded_yen": refund.amount_yen, "method": refund.method}
    _record("payment.refunded", locked, {**refunded, "duplicate": True} if duplicate else refunded)
