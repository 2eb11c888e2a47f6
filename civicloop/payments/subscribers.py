# SPDX-License-Identifier: MPL-2.0
"""Reactions of payments to the cases app's events, inside the recording transaction.

cases sits below payments: when a case's process reaches 手数料納付, the fee falls due here.
"""

from civicloop.cases.models import Case
from civicloop.core import events
from civicloop.core.models import Event
from civicloop.payments import actions


@events.subscribe("case.task_completed")
def fee_due(event: Event) -> None:
    if event.data.get("next") != "fee":
        return
    case = Case.objects.select_related("department", "application__procedure_version").get(
        public_id=event.subject.removeprefix("case/")
    )
    actions.request_fee(case=case)


@events.subscribe("case.fee_paid")
def fee_paid_at_counter(event: Event) -> None:
    """A fee the clerk recorded as paid at the counter gets its Payment and 領収番号 (online
    captures and fees paid before submission have theirs already)."""
    amount = event.data.get("amount_yen")
    if event.data.get("method") != "counter" or not isinstance(amount, int):
        return
    case = Case.objects.select_related("application__procedure_version").get(
        public_id=event.subject.removeprefix("case/")
    )
    actions.record_counter_payment(case=case, amount_yen=amount, reference=str(event.data.get("reference", "")))
