# SPDX-License-Identifier: MPL-2.0
"""Reads about cases that several pages and apps need: who may approve now, the procedure's code."""

from typing import Any

from django.utils import timezone

from civicloop.accounts.models import POSITION_RANK, Position, User
from civicloop.applications.models import Application
from civicloop.cases.models import ApprovalStep, Case, CaseTask
from civicloop.classification.policy import Context, DeviceTrust


def procedure_code(case: Case) -> str:
    return str(
        Application.objects.filter(pk=case.application_id).values_list("procedure_version__procedure__code", flat=True)[
            0
        ]
    )


def in_department(user: User, case: Case) -> bool:
    return user.is_staff_member and user.departments.filter(pk=case.department_id).exists()


# Whether an assignee could work a case is judged as if from the best device they could use.
ASSIGNEE_CONTEXT = Context(device_trust=DeviceTrust.MANAGED)


def may_approve(user: User, step: ApprovalStep, case: Case, today: Any) -> tuple[bool, bool, str]:
    """(allowed, as 代決, why not). The drafter and anyone who already acted in the round may not."""
    if not in_department(user, case):
        return False, False, "not a member of the case's department"
    drafter = CaseTask.objects.filter(case=case, name="review", completed_at__isnull=False).order_by("-pk").first()
    if drafter and drafter.completed_by_id == user.pk:
        return False, False, "the drafter does not approve their own draft"
    if ApprovalStep.objects.filter(case=case, round=step.round, acted_by=user).exists():
        return False, False, "one person approves once per route"
    if user.position == step.level:
        return True, False, ""
    holders = User.objects.filter(departments=case.department_id, position=step.level, is_active=True)
    present = [h for h in holders if not (h.absent_until and h.absent_until >= today)]
    rank, needed = POSITION_RANK[user.position], POSITION_RANK[step.level]
    if not present and POSITION_RANK[Position.KAKARICHO] <= rank < needed:
        return True, True, ""
    return False, False, "the approval needs another rank"


def pending_step(case: Case) -> ApprovalStep | None:
    return case.approval_steps.filter(status=ApprovalStep.Status.PENDING).order_by("-round", "order").first()


def approvers_for(case: Case, step: ApprovalStep) -> list[User]:
    """The staff of the case's department who may act on `step` now (the rank, or 代決 when it is away)."""
    today = timezone.localdate()
    members = User.objects.filter(departments=case.department_id, kind=User.Kind.STAFF, is_active=True).distinct()
    return [user for user in members.order_by("pk") if may_approve(user, step, case, today)[0]]


def can_approve(user: User, case: Case) -> tuple[bool, bool]:
    """Whether `user` may act on the case's pending approval step now, and whether as 代決."""
    step = pending_step(case) if case.step == "approval" else None
    if step is None:
        return False, False
    allowed, proxy, _why = may_approve(user, step, case, timezone.localdate())
    return allowed, proxy
