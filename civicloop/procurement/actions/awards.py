# SPDX-License-Identifier: MPL-2.0
"""Award, the 決裁 route above the threshold, standstill, contract; direct award from the catalogue.

The route comes from the 専決規程 table through `cases.approval.route_for` (procedure
`procurement`, the amount being the purchase's value), the same table cases use; each rank is an
`ApprovalStep` here, because a case's steps are tied to its case.
"""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import Department, User
from civicloop.cases.approval import route_for
from civicloop.classification.policy import NO_CONTEXT, Action, Context, NotPermitted
from civicloop.procurement.actions.recording import record, require, require_step
from civicloop.procurement.errors import WrongState
from civicloop.procurement.models import (
    ApprovalStatus,
    ApprovalStep,
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Contract,
    DirectAward,
    Service,
    Tender,
    TenderStatus,
    TenderStep,
)
from civicloop.procurement.ranking import rank_bids
from civicloop.procurement.search import freeze_search

# Purchases of this value or more (yen, tax included) are decided along the 専決規程 route: the
# table's lowest amount rule (100万円以上の支出を伴うもの). Below it the department decides.
APPROVAL_THRESHOLD_YEN = 1_000_000
APPROVAL_PROCEDURE = "procurement"


def _start_route(value: int, **subject: Any) -> str:
    if value < APPROVAL_THRESHOLD_YEN:
        return ApprovalStatus.NOT_REQUIRED
    route = route_for(APPROVAL_PROCEDURE, "application", {"amount": value})
    for order, level in enumerate(route.levels):
        ApprovalStep.objects.create(order=order, position=level, rule_ja=route.rule_ja, **subject)
    return ApprovalStatus.PENDING if route.levels else ApprovalStatus.NOT_REQUIRED


def _start_standstill(award: Award, now: datetime) -> None:
    award.status, award.standstill_ends_at = AwardStatus.STANDSTILL, now + timedelta(days=award.tender.standstill_days)
    award.save(update_fields=["status", "standstill_ends_at"])


@transaction.atomic
def award_tender(*, actor: User, tender: Tender, bid: Bid | None = None) -> Award:
    """落札決定: the top-ranked bid (or `bid`, when the department departs from the ranking) wins.

    The ranking is frozen on the award. Below the threshold the standstill starts at once; above
    it, once the route's last rank approves.
    """
    require(actor, Action.WORK, tender)
    locked = Tender.objects.select_for_update().get(pk=tender.pk)
    require_step(locked, TenderStep.AWARD, _("Complete the evaluation before the award."))
    ranking = rank_bids(locked)
    if not ranking:
        raise WrongState(_("There is no valid bid to award."))
    winner = bid or ranking[0].bid
    if winner.tender_id != locked.pk or winner.status != BidStatus.OPENED:
        raise WrongState(_("The award goes to an opened bid of this tender."))
    now = timezone.now()
    award = Award.objects.create(
        tender=locked,
        bid=winner,
        supplier=winner.supplier,
        value=winner.price or 0,
        ranking=[r.as_json() for r in ranking],
        status=AwardStatus.PENDING_APPROVAL,
        approval_status=ApprovalStatus.PENDING,
        decided_by=actor,
        decided_at=now,
        classification=locked.classification,
    )
    award.approval_status = _start_route(award.value, award=award, classification=award.classification)
    award.save(update_fields=["approval_status"])
    if award.approval_status == ApprovalStatus.NOT_REQUIRED:
        _start_standstill(award, now)
    locked.status = TenderStatus.AWARDED
    locked.save(update_fields=["status"])
    record(
        actor,
        "tender_awarded",
        award,
        {
            "tender": str(locked.public_id),
            "bid": str(winner.public_id),
            "value": award.value,
            "top_ranked": winner == ranking[0].bid,
        },
    )
    return award


def _subject_department(step: ApprovalStep) -> Department:
    return step.award.tender.department if step.award else step.direct_award.department  # type: ignore[union-attr]


@transaction.atomic
def decide_approval(*, actor: User, subject: Award | DirectAward, approved: bool, comment: str = "") -> ApprovalStep:
    """The next rank of the route approves or rejects. Only that rank, in the department, once per person.

    An award's route stops with its tender: once the tender is cancelled nothing more is approved.
    """
    if isinstance(subject, Award):
        tender = Tender.objects.select_for_update().get(pk=subject.tender_id)
        require_step(tender, TenderStep.APPROVE, _("Nothing is waiting for approval."))
    steps = ApprovalStep.objects.select_for_update().filter(
        **({"award": subject} if isinstance(subject, Award) else {"direct_award": subject})
    )
    step = steps.filter(decided_at__isnull=True).order_by("order").first()
    if step is None:
        raise WrongState(_("Nothing is waiting for approval."))
    department = _subject_department(step)
    if actor.position != step.position or not actor.departments.filter(pk=department.pk).exists():
        raise NotPermitted("the approval needs another rank of the department")
    if steps.filter(decided_by=actor).exists():
        raise NotPermitted("one person approves once per route")
    now = timezone.now()
    step.decided_by, step.decided_at, step.approved, step.comment = actor, now, approved, comment
    step.save(update_fields=["decided_by", "decided_at", "approved", "comment"])
    finished = not approved or not steps.filter(decided_at__isnull=True).exists()
    if finished:
        subject.approval_status = ApprovalStatus.APPROVED if approved else ApprovalStatus.REJECTED
        subject.save(update_fields=["approval_status"])
        if isinstance(subject, Award):
            if approved:
                _start_standstill(subject, now)
            else:
                subject.status = AwardStatus.CANCELLED
                subject.save(update_fields=["status"])
    record(actor, "approval_decided", subject, {"position": step.position, "approved": approved, "final": finished})
    return step


@transaction.atomic
def record_contract(
    *,
    actor: User,
    award: Award,
    starts_on: date,
    ends_on: date,
    value: int | None = None,
    signed_at: datetime | None = None,
) -> Contract:
    """The contract of an award, once its standstill is over (never for a cancelled tender)."""
    require(actor, Action.WORK, award.tender)
    tender = Tender.objects.select_for_update().get(pk=award.tender_id)
    require_step(tender, TenderStep.CONTRACT, _("The contract is recorded already."))
    locked = Award.objects.select_for_update().get(pk=award.pk)
    now = timezone.now()
    if locked.status != AwardStatus.STANDSTILL or locked.is_in_standstill(now):
        raise WrongState(_("The contract is signed after the standstill."))
    contract = Contract.objects.create(
        award=locked,
        department=locked.tender.department,
        supplier=locked.supplier,
        title=locked.tender.title,
        value=value if value is not None else locked.value,
        starts_on=starts_on,
        ends_on=ends_on,
        signed_at=signed_at or now,
        recorded_by=actor,
        classification=locked.classification,
    )
    locked.status = AwardStatus.CONFIRMED
    locked.save(update_fields=["status"])
    Tender.objects.filter(pk=locked.tender_id).update(status=TenderStatus.CONTRACTED)
    record(actor, "contract_recorded", contract, {"award": str(locked.public_id), "value": contract.value})
    return contract


@transaction.atomic
def award_directly(
    *,
    actor: User,
    department: Department,
    service: Service,
    title: str,
    value: int,
    reason: str,
    query: str,
    facets: Mapping[str, str],
    context: Context = NO_CONTEXT,
) -> DirectAward:
    """随意契約 from the catalogue: the search that found the service is run again, as `actor` on
    this device may see it, and frozen with it."""
    probe = DirectAward(department=department)
    require(actor, Action.WORK, probe)
    search = freeze_search(query, facets, user=actor, context=context)
    if str(service.public_id) not in {row["service"] for row in search["results"]}:
        raise WrongState(_("Choose a service the search found."))
    direct = DirectAward.objects.create(
        department=department,
        service=service,
        supplier=service.supplier,
        title=title,
        value=value,
        reason=reason,
        search=search,
        approval_status=ApprovalStatus.PENDING,
        created_by=actor,
        created_at=timezone.now(),
    )
    direct.approval_status = _start_route(value, direct_award=direct, classification=direct.classification)
    direct.save(update_fields=["approval_status"])
    record(actor, "direct_award_made", direct, {"service": str(service.public_id), "value": value})
    return direct


@transaction.atomic
def record_direct_contract(*, actor: User, direct_award: DirectAward, starts_on: date, ends_on: date) -> Contract:
    require(actor, Action.WORK, direct_award)
    if direct_award.approval_status not in (ApprovalStatus.APPROVED, ApprovalStatus.NOT_REQUIRED):
        raise WrongState(_("The direct award needs its approval first."))
    if Contract.objects.filter(direct_award=direct_award).exists():
        raise WrongState(_("The contract is recorded already."))
    contract = Contract.objects.create(
        direct_award=direct_award,
        department=direct_award.department,
        supplier=direct_award.supplier,
        title=direct_award.title,
        value=direct_award.value,
        starts_on=starts_on,
        ends_on=ends_on,
        signed_at=timezone.now(),
        recorded_by=actor,
        classification=direct_award.classification,
    )
    record(actor, "contract_recorded", contract, {"direct_award": str(direct_award.public_id), "value": contract.value})
    return contract
