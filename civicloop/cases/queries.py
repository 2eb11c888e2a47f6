# SPDX-License-Identifier: MPL-2.0
"""Reads about cases that several pages and apps need: who may approve now, the procedure's code."""

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from civicloop.accounts.models import POSITION_RANK, Position, User
from civicloop.applications.models import Application
from civicloop.cases.models import ApprovalStep, Case, CaseTask
from civicloop.catalog.models import ProcedureVersion
from civicloop.catalog.process import OUTCOMES
from civicloop.classification.policy import Context, DeviceTrust


def procedure_code(case: Case) -> str:
    """The code of the case's procedure: from the rows the case came with, else one query."""
    application = case.application if Case.application.is_cached(case) else None
    version = (
        application.procedure_version if application and Application.procedure_version.is_cached(application) else None
    )
    if version is not None and ProcedureVersion.procedure.is_cached(version):
        return str(version.procedure.code)
    return str(
        Application.objects.filter(pk=case.application_id).values_list("procedure_version__procedure__code", flat=True)[
            0
        ]
    )


def in_department(user: User, case: Case) -> bool:
    return user.is_staff_member and user.departments.filter(pk=case.department_id).exists()


# Whether an assignee could work a case is judged as if from the best device they could use.
ASSIGNEE_CONTEXT = Context(device_trust=DeviceTrust.MANAGED)


@dataclass(frozen=True)
class Route:
    """A case's approval steps and tasks as a page already loaded them, so the rules below read
    them instead of asking again. Actions, inside their lock, leave it out and read fresh rows."""

    steps: Sequence[ApprovalStep]
    tasks: Sequence[CaseTask]


def _drafter_id(case: Case, route: Route | None) -> int | None:
    """Who finished the latest 審査 (review) task: the one who drafted the decision."""
    if route is not None:
        done = [t for t in route.tasks if t.name == "review" and t.completed_at is not None]
        return max(done, key=lambda t: t.pk).completed_by_id if done else None
    drafter = CaseTask.objects.filter(case=case, name="review", completed_at__isnull=False).order_by("-pk").first()
    return drafter.completed_by_id if drafter else None


def draft_note(case: Case, route: Route | None = None) -> str:
    """The clerk's note to the approvers (決裁者への補足) on the latest draft, or "".

    It is the comment of the latest 審査 task that ended in a draft (起案, with or without 合議);
    a 審査 that ended in a 補正 request holds the request's reason instead.
    """
    drafts = (
        [t for t in route.tasks if t.name == "review" and t.completed_at is not None]
        if route is not None
        else list(CaseTask.objects.filter(case=case, name="review", completed_at__isnull=False))
    )
    drafted = [t for t in drafts if t.outcome in OUTCOMES]
    return max(drafted, key=lambda t: t.pk).comment if drafted else ""


def _acted_in_round(user: User, case: Case, round_: int, route: Route | None) -> bool:
    if route is not None:
        return any(s.round == round_ and s.acted_by_id == user.pk for s in route.steps)
    return ApprovalStep.objects.filter(case=case, round=round_, acted_by=user).exists()


def may_approve(
    user: User, step: ApprovalStep, case: Case, today: Any, route: Route | None = None
) -> tuple[bool, bool, str]:
    """(allowed, as 代決, why not). The drafter and anyone who already acted in the round may not."""
    if not in_department(user, case):
        return False, False, "not a member of the case's department"
    return _may_approve_member(
        user, step, case, route, _drafter_id(case, route), functools.partial(_rank_present, case, step, today)
    )


def _may_approve_member(
    user: User, step: ApprovalStep, case: Case, route: Route | None, drafter_id: int | None,
    rank_present: Callable[[], bool],
) -> tuple[bool, bool, str]:  # fmt: skip
    """`may_approve` for a member of the case's department, with the drafter and the rank's presence given."""
    if drafter_id == user.pk:
        return False, False, "the drafter does not approve their own draft"
    if _acted_in_round(user, case, step.round, route):
        return False, False, "one person approves once per route"
    if user.position == step.level:
        return True, False, ""
    rank, needed = POSITION_RANK[user.position], POSITION_RANK[step.level]
    if POSITION_RANK[Position.KAKARICHO] <= rank < needed and not rank_present():
        return True, True, ""
    return False, False, "the approval needs another rank"


def _rank_present(case: Case, step: ApprovalStep, today: Any) -> bool:
    """Whether anyone of the step's rank in the case's department is at work today (else 代決)."""
    holders = User.objects.filter(departments=case.department_id, position=step.level, is_active=True)
    return any(not (h.absent_until and h.absent_until >= today) for h in holders)


def pending_step(case: Case, route: Route | None = None) -> ApprovalStep | None:
    if route is not None:
        pending = [s for s in route.steps if s.status == ApprovalStep.Status.PENDING]
        return min(pending, key=lambda s: (-s.round, s.order)) if pending else None
    return case.approval_steps.filter(status=ApprovalStep.Status.PENDING).order_by("-round", "order").first()


def approvers_for(case: Case, step: ApprovalStep) -> list[User]:
    """The staff of the case's department who may act on `step` now (the rank, or 代決 when it is away).

    The same rule as `may_approve`, with what it reads about the case asked once for the whole
    department instead of three or four statements per member (a department of 60 made 起案 and
    each 決裁 send ~200 statements; bench/README.md, "Load").
    """
    today = timezone.localdate()
    route = Route(steps=list(case.approval_steps.all()), tasks=list(case.tasks.filter(name="review")))
    drafter_id = _drafter_id(case, route)
    rank_present = functools.cache(functools.partial(_rank_present, case, step, today))
    members = User.objects.filter(departments=case.department_id, kind=User.Kind.STAFF, is_active=True).distinct()
    return [
        user
        for user in members.order_by("pk")
        if user.is_staff_member and _may_approve_member(user, step, case, route, drafter_id, rank_present)[0]
    ]


def can_approve(user: User, case: Case, route: Route | None = None) -> tuple[bool, bool]:
    """Whether `user` may act on the case's pending approval step now, and whether as 代決.

    The case page passes the `route` it shows: then only the department check (and, when the
    approver's rank is away, who holds it) asks the database.
    """
    step = pending_step(case, route) if case.step == "approval" else None
    if step is None:
        return False, False
    allowed, proxy, _why = may_approve(user, step, case, timezone.localdate(), route)
    return allowed, proxy
