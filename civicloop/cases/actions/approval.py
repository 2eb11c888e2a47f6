# SPDX-License-Identifier: MPL-2.0
"""決裁: each rank of the 専決規程 route approves or returns the draft in turn; 代決 and 後閲."""

from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.cases.actions._shared import advance, audit_case, lock_for, record_pending
from civicloop.cases.actions.closing import after_step
from civicloop.cases.errors import IllegalTransition, InvalidInput, NotAuthorised
from civicloop.cases.models import ApprovalStep, Case
from civicloop.cases.queries import in_department, may_approve, pending_step, procedure_code
from civicloop.classification.policy import NO_CONTEXT, Context, records_refusals
from civicloop.core import events


@records_refusals
def act_on_approval(
    *, case: Case, approver: User, decision: str, comment: str = "", context: Context = NO_CONTEXT
) -> ApprovalStep:
    """決裁: approve the pending step of the route, or return the draft for rework (差戻し).

    Serial: each rank in turn. 代決 when every holder of the rank is absent: a lower rank (係長 or
    above) decides, and the step waits for the absent approver's 後閲.
    """
    comment = comment.strip()
    if decision not in {"approve", "return"}:
        raise InvalidInput({"decision": "approve or return"})
    if decision == "return" and not comment:
        raise InvalidInput({"comment": "say why the draft goes back"})
    with transaction.atomic():
        locked = lock_for(case, approver, context)
        if locked.step != "approval" or locked.status == Case.Status.CLOSED:
            raise IllegalTransition(locked.step or locked.status)
        pending = pending_step(locked)
        if pending is None:
            raise IllegalTransition("no approval step is pending")
        step = ApprovalStep.objects.select_for_update().get(pk=pending.pk)
        now = timezone.now()
        allowed, proxy, why = may_approve(approver, step, locked, timezone.localdate(now))
        if not allowed:
            raise NotAuthorised(why)
        step.status = ApprovalStep.Status.APPROVED if decision == "approve" else ApprovalStep.Status.RETURNED
        step.acted_by = approver
        step.acted_at = now
        step.comment = comment
        step.proxy = proxy
        step.save(update_fields=["status", "acted_by", "acted_at", "comment", "proxy"])
        waited = (now - (step.pending_since or step.created_at)).total_seconds()
        events.record(
            "case.approval_step",
            subject=f"case/{locked.public_id}",
            data={
                "level": step.level,
                "outcome": step.status,
                "proxy": proxy,
                "waited_s": round(waited, 3),
                "department": locked.department.code,
                "procedure": procedure_code(locked),
            },
            classification=locked.classification,
        )
        audit_case(approver, "case.approval", locked, {"level": step.level, "decision": decision, "proxy": proxy})
        following = locked.approval_steps.filter(round=step.round, order__gt=step.order).order_by("order")
        if decision == "return":
            for later in following:
                later.status = ApprovalStep.Status.CANCELLED
                later.save(update_fields=["status"])
            advance(locked, "approval", approver, result="returned", comment=comment, data={"approval": "returned"})
        elif (upcoming := following.first()) is not None:
            upcoming.status = ApprovalStep.Status.PENDING
            upcoming.pending_since = now
            upcoming.save(update_fields=["status", "pending_since"])
            record_pending(locked, upcoming)
        else:
            waiting = advance(locked, "approval", approver, result="approved", data={"approval": "approved"})
            after_step(locked, waiting, approver)
    return step


@records_refusals
def post_review(
    *, step: ApprovalStep, reviewer: User, comment: str = "", context: Context = NO_CONTEXT
) -> ApprovalStep:
    """後閲: the absent approver reviews a step taken by 代決, after the fact. Once."""
    with transaction.atomic():
        lock_for(step.case, reviewer, context)
        locked = ApprovalStep.objects.select_for_update().select_related("case__department").get(pk=step.pk)
        if not locked.awaits_post_review:
            raise IllegalTransition("this step does not await 後閲")
        if reviewer.position != locked.level or not in_department(reviewer, locked.case):
            raise NotAuthorised("後閲 is for the rank the 代決 stood in for")
        locked.post_reviewed_by = reviewer
        locked.post_reviewed_at = timezone.now()
        locked.post_review_comment = comment.strip()
        locked.save(update_fields=["post_reviewed_by", "post_reviewed_at", "post_review_comment"])
        events.record(
            "case.post_reviewed",
            subject=f"case/{locked.case.public_id}",
            data={"level": locked.level, "department": locked.case.department.code},
            classification=locked.case.classification,
        )
        audit_case(reviewer, "case.post_review", locked.case, {"level": locked.level})
    return locked
