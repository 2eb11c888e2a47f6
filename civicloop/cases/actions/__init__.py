# SPDX-License-Identifier: MPL-2.0
"""Writes on the back-office side, one module per stage of a case. Lock order, where several rows
are locked: case, then application.

Each action locks the case row, checks under the lock that the actor may work the case (the one
policy's WORK action: the owning department, clearance and a device that reach its tier, no
oversight role; else NotAuthorised, nothing changed) and that the case's process is waiting for the
step the action completes (else IllegalTransition, nothing changed), and completes that step of the
BPMN process (civicloop.cases.workflow). Two clerks acting at once: the second waits for the lock,
then finds the step gone and gets the named error; there is never a last write that wins.

- intake.py      open_case, claim_case, assign_cases, add_comment, record_inspection
- correction.py  request_correction, resubmit_correction (補正)
- review.py      submit_review (起案), request_consultation, answer_consultation (合議)
- approval.py    act_on_approval (決裁, 代決), post_review (後閲)
- closing.py     confirm_fee, withdraw_application; the decision (civicloop.documents issues its result)
- _shared.py     the lock and WORK check, completing a process step, audit, the 決裁 round

Errors are in civicloop.cases.errors, reads (can_approve, pending_step …) in civicloop.cases.queries.
"""

from civicloop.cases.actions.approval import act_on_approval, post_review
from civicloop.cases.actions.closing import confirm_fee, record_fee_payment, record_prepaid_fee, withdraw_application
from civicloop.cases.actions.correction import request_correction, resubmit_correction
from civicloop.cases.actions.intake import add_comment, assign_cases, claim_case, open_case, record_inspection
from civicloop.cases.actions.review import answer_consultation, request_consultation, submit_review
from civicloop.cases.errors import CaseAlreadyClaimed, IllegalTransition, InvalidInput, NotAuthorised

__all__ = [
    "CaseAlreadyClaimed",
    "IllegalTransition",
    "InvalidInput",
    "NotAuthorised",
    "act_on_approval",
    "add_comment",
    "answer_consultation",
    "assign_cases",
    "claim_case",
    "confirm_fee",
    "open_case",
    "post_review",
    "record_fee_payment",
    "record_inspection",
    "record_prepaid_fee",
    "request_consultation",
    "request_correction",
    "resubmit_correction",
    "submit_review",
    "withdraw_application",
]
