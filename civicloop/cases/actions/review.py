# SPDX-License-Identifier: MPL-2.0
"""審査 and 合議: the clerk drafts the decision (起案), alone or after other departments' opinions."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import Department, User
from civicloop.applications.models import Application
from civicloop.cases.actions._shared import advance, audit_case, authorise_work, lock, lock_for
from civicloop.cases.actions.closing import after_step
from civicloop.cases.errors import IllegalTransition, InvalidInput, NotAuthorised
from civicloop.cases.models import Case, Consultation
from civicloop.classification.policy import NO_CONTEXT, Context, records_refusals
from civicloop.core import events

PROPOSALS = {"approve", "reject"}


def _check_proposal(case: Case, outcome: str, reason: str) -> str:
    # The version's own `kind` column: reading the whole frozen definition for one word is wasteful.
    kind = Application.objects.filter(pk=case.application_id).values_list("procedure_version__kind", flat=True)[0]
    if kind == "notification":
        if outcome not in {"accept", "reject"}:
            raise InvalidInput({"outcome": "accept or reject the notification"})
    elif outcome not in PROPOSALS:
        raise InvalidInput({"outcome": "approve or reject"})
    if outcome == "reject" and not reason:
        raise InvalidInput({"reason": "a refusal must state its reasons (行政手続法8条)"})
    return str(kind)


def _check_drafter(case: Case, clerk: User) -> None:
    # 起案 alone or with 合議: either way the draft is the assigned clerk's.
    if case.assignee_id not in {None, clerk.pk}:
        raise NotAuthorised("only the assigned clerk drafts the decision")


@records_refusals
def submit_review(
    *, case: Case, clerk: User, outcome: str, reason: str = "", comment: str = "", context: Context = NO_CONTEXT
) -> Case:
    """Finish 審査 (or a 届出's 確認) with the drafted decision (起案); the 決裁 route starts.

    A refusal needs its reasons, which the resident will read (行政手続法8条).
    """
    reason = reason.strip()
    with transaction.atomic():
        locked = lock_for(case, clerk, context)
        if locked.step != "review" or locked.status == Case.Status.CLOSED:
            raise IllegalTransition(locked.step or locked.status)
        _check_proposal(locked, outcome, reason)
        _check_drafter(locked, clerk)
        locked.proposed_outcome = outcome
        locked.proposal_reason = reason
        locked.save(update_fields=["proposed_outcome", "proposal_reason"])
        waiting = advance(
            locked, "review", clerk, result=outcome, comment=comment, data={"route": "approve", "outcome": outcome}
        )
        audit_case(clerk, "case.draft_decision", locked, {"outcome": outcome})
        after_step(locked, waiting, clerk)
    return locked


@records_refusals
def request_consultation(
    *,
    case: Case,
    clerk: User,
    departments: Iterable[Department],
    question: str,
    outcome: str,
    reason: str = "",
    comment: str = "",
    context: Context = NO_CONTEXT,
) -> list[Consultation]:
    """起案 with 合議: the draft goes to other departments for their opinions, in parallel, before 決裁.

    `comment` is the clerk's note to the approvers (決裁者への補足), kept with the draft as in
    `submit_review`; the consulted departments read it beside the question.
    """
    question, reason, comment = question.strip(), reason.strip(), comment.strip()
    targets = [d for d in departments]
    with transaction.atomic():
        locked = lock_for(case, clerk, context)
        if locked.step != "review" or locked.status == Case.Status.CLOSED:
            raise IllegalTransition(locked.step or locked.status)
        _check_proposal(locked, outcome, reason)
        _check_drafter(locked, clerk)
        if not question or not targets or any(d.pk == locked.department_id for d in targets):
            raise InvalidInput({"consultation": "choose other departments and write the question"})
        locked.proposed_outcome = outcome
        locked.proposal_reason = reason
        locked.save(update_fields=["proposed_outcome", "proposal_reason"])
        advance(locked, "review", clerk, result=outcome, comment=comment, data={"route": "consult", "outcome": outcome})
        now = timezone.now()
        consultations = [
            Consultation.objects.create(
                case=locked, department=d, question=question, requested_by=clerk, requested_at=now
            )
            for d in targets
        ]
        events.record(
            "case.consultation_requested",
            subject=f"case/{locked.public_id}",
            data={"department": locked.department.code, "consulted": sorted(d.code for d in targets)},
            classification=locked.classification,
        )
        audit_case(clerk, "case.request_consultation", locked, {"consulted": sorted(d.code for d in targets)})
    return consultations


@records_refusals
def answer_consultation(
    *, consultation: Consultation, staff: User, opinion: str, comment: str = "", context: Context = NO_CONTEXT
) -> Consultation:
    """A consulted department's opinion. When the last one answers, the draft moves on to 決裁."""
    comment = comment.strip()
    if opinion not in Consultation.Opinion.values:
        raise InvalidInput({"opinion": "agree, agree with comments, or disagree"})
    if opinion != Consultation.Opinion.AGREE and not comment:
        raise InvalidInput({"comment": "say what the comments or the objection are"})
    with transaction.atomic():
        locked = lock(consultation.case)
        answer = Consultation.objects.select_for_update().select_related("department").get(pk=consultation.pk)
        # The consulted department works the consultation (it carries that department and the case's label).
        authorise_work(staff, answer, context)
        if answer.answered_at is not None or locked.step != "consultation":
            raise IllegalTransition("this consultation was already answered")
        answer.opinion = opinion
        answer.comment = comment
        answer.answered_by = staff
        answer.answered_at = timezone.now()
        answer.save(update_fields=["opinion", "comment", "answered_by", "answered_at"])
        events.record(
            "case.consultation_answered",
            subject=f"case/{locked.public_id}",
            data={"department": answer.department.code, "opinion": opinion},
            classification=locked.classification,
        )
        audit_case(
            staff, "case.answer_consultation", locked, {"department": answer.department.code, "opinion": opinion}
        )
        if not locked.consultations.filter(answered_at__isnull=True).exists():
            waiting = advance(locked, "consultation", staff, result="answered")
            after_step(locked, waiting, staff)
    return answer
