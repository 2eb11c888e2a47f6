# SPDX-License-Identifier: MPL-2.0
"""Reconciliation: the provider's settlement file matched to civicloop's payments, every difference kept.

The one import: `manage.py reconcile_payments FILE` and the staff upload form both call
`import_settlement`. It writes only its own run, lines and audit entry; payments are not changed
(a difference is for staff to look into: a refund, a counter payment, the provider's support).
"""

import hashlib

from django.db import transaction
from django.utils import timezone

from civicloop.core import audit
from civicloop.integrations.payment import client
from civicloop.payments.models import Payment, PaymentCheckout, ReconciliationLine, ReconciliationRun


class SettlementUnreadable(ValueError):
    """The provider's settlement file could not be read (not its format, not UTF-8, a bad amount)."""


def import_settlement(*, data: bytes, file_name: str, actor: str) -> ReconciliationRun:
    """Match the provider's settlement file to civicloop's payments and keep every difference.

    The one import: `manage.py reconcile_payments FILE` and the staff upload form both call it.
    SettlementUnreadable (nothing stored) when the provider's parser cannot read the file.

    Compared: captures in the file against payments captured (or refunded since) here, from the
    earliest to the latest capture the file could cover — every payment captured here up to now
    that the file does not list is `missing_there`. A payment is matched by the checkout it was
    captured through, whichever of its checkouts that was; a second capture of a paid payment
    (`PaymentCheckout.is_duplicate`) is a `duplicate` difference until it is refunded.
    """
    provider = client.provider()
    try:
        lines = [line for line in provider.parse_settlement(data) if line.kind == "capture"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise SettlementUnreadable(str(exc)) from exc
    with transaction.atomic():
        run = ReconciliationRun.objects.create(
            provider=provider.name,
            file_name=file_name[:200],
            file_sha256=hashlib.sha256(data).hexdigest(),
            imported_at=timezone.now(),
            imported_by=actor[:100],
        )
        ours = {
            str(p.provider_payment_id): p
            for p in Payment.objects.filter(provider=provider.name, captured_at__isnull=False)
        }
        # Any checkout of a payment may be the one paid on (an older page, paid just before it expired).
        checkouts = {
            c.provider_payment_id: c
            for c in PaymentCheckout.objects.filter(
                provider_payment_id__in={line.provider_payment_id for line in lines}
            )
            .select_related("payment")
            .prefetch_related("refunds")
        }
        seen = set()
        for line in lines:
            seen.add(line.provider_payment_id)
            payment = ours.get(line.provider_payment_id)
            checkout = checkouts.get(line.provider_payment_id)
            if checkout is not None and checkout.is_duplicate:
                _reconcile_duplicate(run, checkout, line)
            elif payment is None:
                # Taken at the provider, not captured here (a lost webhook, a fee then paid at the
                # counter): the checkout, when known, names the payment it was opened for.
                opened_for = checkout.payment if checkout is not None else None
                _line(
                    run,
                    ReconciliationLine.Kind.MISSING_HERE,
                    line.provider_payment_id,
                    opened_for,
                    None,
                    line.amount_yen,
                )
            elif payment.amount_yen != line.amount_yen:
                _line(
                    run,
                    ReconciliationLine.Kind.AMOUNT_DIFFERS,
                    line.provider_payment_id,
                    payment,
                    payment.amount_yen,
                    line.amount_yen,
                )
            else:
                run.matched += 1
        for provider_id, payment in ours.items():
            if provider_id not in seen:
                _line(run, ReconciliationLine.Kind.MISSING_THERE, provider_id, payment, payment.amount_yen, None)
        run.save(update_fields=["matched"])
        audit.record(
            actor=actor,
            action="payment.reconcile",
            object_type="reconciliation",
            object_id=str(run.public_id),
            data={"file_sha256": run.file_sha256, "matched": run.matched, "differences": run.lines.count()},
        )
    return run


def _reconcile_duplicate(run: ReconciliationRun, checkout: PaymentCheckout, line: client.SettlementLine) -> None:
    """A second capture of a paid payment: a difference until it is refunded, then a match."""
    if checkout.needs_refund:
        _line(
            run,
            ReconciliationLine.Kind.DUPLICATE,
            checkout.provider_payment_id,
            checkout.payment,
            checkout.captured_yen,
            line.amount_yen,
        )
    else:
        run.matched += 1


def _line(
    run: ReconciliationRun, kind: str, provider_id: str, payment: Payment | None, here: int | None, there: int | None
) -> None:
    ReconciliationLine.objects.create(
        run=run,
        kind=kind,
        provider_payment_id=provider_id,
        payment=payment,
        amount_here_yen=here,
        amount_there_yen=there,
    )
