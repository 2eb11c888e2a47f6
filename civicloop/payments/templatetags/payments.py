# SPDX-License-Identifier: MPL-2.0
"""`{% load payments %}`: the fee on the resident's application page and on the clerk's case page."""

from typing import Any

from django import template
from django.utils.translation import gettext as _

from civicloop.catalog import fees
from civicloop.core.compiled import Param, compiled
from civicloop.core.language import is_english
from civicloop.payments.models import Payment, Refund

register = template.Library()

# On every application page: compiled once (core.compiled).
_latest_payment = compiled(
    lambda: Payment.objects.filter(application=Param("application", Payment, "application")).order_by("-pk")[:1]
)
# On every case page: compiled once (core.compiled); the refunds and checkouts are prefetched after.
_case_payments = compiled(
    lambda: (
        Payment.objects.filter(case=Param("case", Payment, "case"))
        .prefetch_related("refunds__refunded_by", "checkouts__refunds")
        .order_by("pk")
    )
)


@register.filter
def fee_state(payment: Payment) -> str:
    """The payment's state as the pages word it, a refund included: a partly refunded fee is still
    "paid" to `Payment.state`, and a wholly refunded one is said to be refunded in full."""
    if payment.state == Payment.State.REFUNDED:
        return _("Refunded in full")
    if payment.state == Payment.State.CAPTURED and payment.refunded_yen:
        return _("Paid, partly refunded")
    return str(payment.get_state_display())


@register.inclusion_tag("payments/_resident_fee.html")
def fee_for(application: Any, user: Any) -> dict[str, Any]:
    """The fee of the application: due (amount and 支払う), paid (receipt), or to pay outside, and
    what was refunded of it, when."""
    payment = _latest_payment.first(application=application)
    # A second capture's refund (`checkout` set) gives back a payment made twice, not part of the fee.
    fee_refunds = payment.refunds.filter(checkout__isnull=True) if payment and payment.refunded_yen else None
    refunds = list(fee_refunds.order_by("refunded_at", "pk")) if fee_refunds is not None else []
    definition = application.procedure_version.definition
    timing = fees.timing(definition)
    return {
        "application": application,
        "payment": payment,
        "refunds": refunds,
        "kept_yen": payment.amount_yen - payment.refunded_yen if payment else 0,
        "is_own": application.applicant_id == getattr(user, "pk", None),
        "outside": timing == "outside" and application.status == "awaiting_payment",
        "quote": fees.quote(definition, application.answers),
        "english": is_english(),
    }


@register.inclusion_tag("payments/_case_fee.html", takes_context=True)
def case_fee(context: template.Context, case: Any) -> dict[str, Any]:
    """The clerk's view: paid or unpaid, how, the receipt number, refunds (how, and the reference of
    one paid back at the counter), the refund form, and any second payment to give back."""
    payments = _case_payments(case=case)
    # A fee taken at the counter goes back by the municipality's own hand, never through the provider.
    counter_methods = [(m.value, m.label) for m in (Refund.Method.CASH, Refund.Method.TRANSFER)]
    return {
        "case": case,
        "payments": payments,
        "refund_methods": counter_methods,
        "csrf_token": context.get("csrf_token"),
    }
