# SPDX-License-Identifier: MPL-2.0
"""The end of a case: the fee, the decision, the resident's 取下げ.

`after_step` is the process moving on by itself (a 決裁 round on arrival, the decision once
approved); the review and approval actions call it after their step. The signed result document
follows from the decision: civicloop.documents subscribes to `case.decided` and issues it inside
the deciding transaction, so a case is never decided without its document (cases does not import
documents, which sits above it).
"""

from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications.models import Application
from civicloop.cases import workflow
from civicloop.cases.actions._shared import (
    advance,
    audit_case,
    lock,
    lock_for,
    set_application_status,
    start_approval_round,
)
from civicloop.cases.errors import IllegalTransition, NotAuthorised
from civicloop.cases.models import ApprovalStep, Case, CaseTask
from civicloop.catalog import fees
from civicloop.classification.policy import NO_CONTEXT, Context, records_refusals
from civicloop.core import audit, events

RESULT_STATUS = {
    "approve": Application.Status.APPROVED,
    "reject": Application.Status.REJECTED,
    "accept": Application.Status.COMPLETED,
}


def after_step(case: Case, waiting: list[str], actor: User) -> None:
    """Steps civicloop takes by itself: build the 決裁 route on arrival, and decide once approved."""
    # An empty route: the 専決規程 says the clerk's draft needs no further approval.
    if waiting == ["approval"] and not start_approval_round(case):
        waiting = advance(case, "approval", actor, result="approved", data={"approval": "approved"})
    if waiting == ["fee"]:
        # 手数料納付: the resident is told the amount (civicloop.payments reacts to the task's event).
        set_application_status(case, Application.Status.AWAITING_PAYMENT)
    if waiting == ["notify"]:
        _finalise(case, actor)


@records_refusals
def confirm_fee(
    *,
    case: Case,
    clerk: User,
    comment: str = "",
    amount_yen: int | None = None,
    method: str = "counter",
    context: Context = NO_CONTEXT,
) -> Case:
    """手数料納付: the clerk records the fee as paid (at the counter, 処理券); the result goes out.

    Without `amount_yen`, the fee is the catalogue's quote for the answers, so the decision (and
    civicloop.payments' 領収書) state what was paid."""
    with transaction.atomic():
        locked = lock_for(case, clerk, context)
        if amount_yen is None:
            application = locked.application
            amount_yen = fees.quote(application.procedure_version.definition, application.answers).total_yen or None
        waiting = advance(locked, "fee", clerk, result="paid", comment=comment.strip())
        audit_case(clerk, "case.fee_paid", locked, {"amount_yen": amount_yen, "method": method})
        _record_fee_paid(locked, amount_yen, method, comment.strip())
        after_step(locked, waiting, clerk)
    return locked


def record_fee_payment(*, case: Case, amount_yen: int, method: str, reference: str) -> Case:
    """手数料納付 confirmed by the payment provider (a verified capture, civicloop.payments).

    No clerk acts: the result is issued in the name of whoever decided the 決裁 (the last approver,
    else the assignee), as it would be had the fee been paid at the counter that day.
    """
    with transaction.atomic():
        locked = lock(case)
        decider = _decider(locked)
        waiting = advance(locked, "fee", None, result="paid", comment=reference)
        audit.record(
            actor="system/payments",
            action="case.fee_paid",
            object_type="case",
            object_id=str(locked.public_id),
            data={"amount_yen": amount_yen, "method": method, "reference": reference},
            classification=locked.classification,
        )
        _record_fee_paid(locked, amount_yen, method, reference)
        after_step(locked, waiting, decider)
    return locked


def record_prepaid_fee(*, case: Case, amount_yen: int, method: str, reference: str) -> Case:
    """The fee was paid before submission (civicloop.payments submitted the application on its
    capture): the case notes it, so the decision states it, and has no 手数料納付 step to wait at."""
    with transaction.atomic():
        locked = lock(case)
        audit.record(
            actor="system/payments",
            action="case.fee_paid",
            object_type="case",
            object_id=str(locked.public_id),
            data={"amount_yen": amount_yen, "method": method, "reference": reference, "before_submission": True},
            classification=locked.classification,
        )
        _record_fee_paid(locked, amount_yen, method, reference)
    return locked


def _decider(case: Case) -> User:
    step = case.approval_steps.filter(acted_by__isnull=False).order_by("-acted_at").select_related("acted_by").first()
    person = step.acted_by if step else case.assignee
    if person is None:
        raise IllegalTransition("nobody decided this case; a clerk must record the fee")
    return person


def _record_fee_paid(case: Case, amount_yen: int | None, method: str, reference: str) -> None:
    """`case.fee_paid`: the fee the result document states (civicloop.documents reads the event)."""
    events.record(
        "case.fee_paid",
        subject=f"case/{case.public_id}",
        data={"amount_yen": amount_yen, "method": method, "reference": reference[:100]},
        classification=case.classification,
    )


def _finalise(case: Case, actor: User) -> None:
    """結果通知: the approved draft becomes the decision and the case closes; `case.decided` makes
    civicloop.documents issue the signed result in this transaction."""
    outcome = case.proposed_outcome or "approve"
    advance(case, "notify", actor, result=outcome)
    _close(
        locked=case,
        actor=actor,
        status=RESULT_STATUS[outcome],
        reason=case.proposal_reason,
        event="case.decided",
        outcome=outcome,
        data={"decided_by": str(actor.public_id)},
    )


def withdraw_application(*, application: Application, resident: User) -> Case:
    """The resident withdraws (取下げ) an application that has not been decided; the process stops."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("department").get(application_id=application.pk)
        if application.applicant_id is None or application.applicant_id != resident.pk:
            raise NotAuthorised("only the applicant withdraws an application")
        if locked.status == Case.Status.CLOSED:
            raise IllegalTransition("the case is already closed")
        now = timezone.now()
        CaseTask.objects.filter(case=locked, completed_at__isnull=True).update(completed_at=now, outcome="withdrawn")
        locked.approval_steps.filter(status__in=[ApprovalStep.Status.PENDING, ApprovalStep.Status.WAITING]).update(
            status=ApprovalStep.Status.CANCELLED
        )
        if locked.workflow_state:
            process = workflow.load(locked.workflow_state)
            process.cancel()
            locked.workflow_state = workflow.dump(process)
        locked.step = ""
        locked.save(update_fields=["workflow_state", "step"])
        _close(
            locked=locked,
            actor=resident,
            status=Application.Status.WITHDRAWN,
            reason="",
            event="case.withdrawn",
            outcome="withdrawn",
        )
    return locked


def _close(
    *, locked: Case, actor: User, status: str, reason: str, event: str, outcome: str, data: dict[str, str] | None = None
) -> None:
    now = timezone.now()
    locked.status = Case.Status.CLOSED
    locked.decision_reason = reason
    locked.closed_at = now
    locked.save(update_fields=["status", "decision_reason", "closed_at"])
    locked.corrections.filter(resolved_at__isnull=True).update(resolved_at=now)
    set_application_status(locked, status, reason, at=now)
    # The audit entry first: subscribers of the event (the result document) append their own after it.
    audit_case(actor, event, locked, {"outcome": outcome})
    events.record(
        event,
        subject=f"case/{locked.public_id}",
        data={
            "outcome": outcome,
            "department": locked.department.code,
            "overdue": now.date() > locked.due_date,
            **(data or {}),
        },
        classification=locked.classification,
        instance=locked,
    )
