# SPDX-License-Identifier: MPL-2.0
"""Each step of a tender in each of its states: the action takes it or refuses it (clearly, nothing
changed), and the staff page offers exactly the steps it would take.

`ALLOWED` is written from the life of a tender (docs/procurement.md), not from `TENDER_STEPS`: a
cancelled or contracted tender takes no step; an award's approval and contract stop with a
cancellation. Deadlines, the approval route and the standstill are part of each state's world, so
"published" is before the deadline and "closed" after it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from civicloop.accounts.models import Position, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.core.models import AuditEntry, Event
from civicloop.procurement import actions
from civicloop.procurement.models import (
    Award,
    AwardStatus,
    Bid,
    BidOpening,
    ConflictDeclaration,
    Contract,
    Evaluator,
    Moderation,
    Question,
    ScoreSheet,
    Tender,
    TenderStatus,
)
from civicloop.procurement.tests.conftest import Cast, approver, service_of
from civicloop.procurement.views.common import REFUSALS

STATES = [
    "draft",
    "published",
    "closed",
    "opened",
    "evaluated",
    "awarded_pending",
    "awarded_standstill",
    "contracted",
    "cancelled",
    "cancelled_after_award",
]

# What each state allows, from the rules in words.
ALLOWED: dict[str, set[str]] = {
    "draft": {"publish", "assign", "cancel"},
    # bids are sealed until the deadline: not opened yet
    "published": {"assign", "answer", "cancel"},
    "closed": {"open", "assign", "answer", "cancel"},
    # evaluators are still named after the opening (a replacement for a conflicted one)
    "opened": {"assign", "declare", "score", "moderate", "complete", "cancel"},
    "evaluated": {"award", "cancel"},
    "awarded_pending": {"approve", "cancel"},
    "awarded_standstill": {"contract", "cancel"},
    "contracted": set(),
    "cancelled": set(),
    "cancelled_after_award": set(),
}

# What the staff page offers: the same, except that opening is offered before the deadline too
# (with a hint that it is possible only after it), and the evaluator's own steps are on their page.
OFFERED: dict[str, set[str]] = {
    **{state: steps - {"declare", "score"} for state, steps in ALLOWED.items()},
    "published": {"open", "assign", "answer", "cancel"},
}

CANCELLED_MESSAGE = "This tender was cancelled: no further step can be taken on it."


@dataclass
class World:
    tender: Tender
    question: Question
    moment: datetime  # when the steps are tried
    bid: Bid | None = None
    approver: User | None = None


class Impossible(Exception):
    """The step names a record the state has none of (a draft has no bid, no award before the award)."""


def _build(cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any], state: str) -> World:
    tender = make_tender(publish=False)
    for person in (cast.evaluator, cast.officer):  # officer never declares: the "declare" step is theirs
        actions.assign_evaluator(actor=cast.buyer, tender=tender, user=person)
    question = Question.objects.create(
        tender=tender, asked_by=cast.alpha, text="質問", asked_at=timezone.now(), classification=tender.classification
    )
    world = World(tender, question, timezone.now())
    if state == "draft":
        return world
    tender = world.tender = actions.publish_tender(actor=cast.buyer, tender=tender)
    world.bid = actions.submit_bid(
        actor=cast.alpha_user,
        tender=tender,
        supplier=cast.alpha,
        service=service_of(cast.alpha),
        price=4_000_000,  # above the approval threshold: the award goes along the route
        proposal="提案",
    )
    if state in ("published", "cancelled"):
        if state == "cancelled":
            actions.cancel_tender(actor=cast.buyer, tender=tender, reason="中止")
        return world
    world.moment = tender.bid_deadline + timedelta(seconds=1)
    if state == "closed":
        return world
    with at(world.moment):
        actions.open_bids(actor=cast.buyer, tender=tender)
        actions.declare_conflict(actor=cast.evaluator, tender=tender, has_conflict=False)
        bid = Bid.objects.get(pk=world.bid.pk)
        scores = {c.pk: (7, "妥当") for c in tender.criteria.filter(is_price=False)}
        actions.save_scores(actor=cast.evaluator, bid=bid, scores=scores)
        actions.submit_scores(actor=cast.evaluator, bid=bid)
        if state == "opened":
            return world
        actions.complete_evaluation(actor=cast.buyer, tender=tender)
        if state == "evaluated":
            return world
        award = actions.award_tender(actor=cast.buyer, tender=tender)
        world.approver = approver(Position.KAKARICHO)
        if state == "awarded_pending":
            return world
        if state == "cancelled_after_award":
            actions.cancel_tender(actor=cast.buyer, tender=tender, reason="中止")
            return world
        for position in (Position.KAKARICHO, Position.KACHO, Position.BUCHO):
            actions.decide_approval(actor=approver(position), subject=award, approved=True)
    award.refresh_from_db()
    assert award.standstill_ends_at is not None
    world.moment = award.standstill_ends_at + timedelta(seconds=1)
    if state == "awarded_standstill":
        return world
    with at(world.moment):
        actions.record_contract(actor=cast.buyer, award=award, starts_on=date(2027, 4, 1), ends_on=date(2028, 3, 31))
    return world


def _bid(world: World) -> Bid:
    if world.bid is None:
        raise Impossible
    return Bid.objects.get(pk=world.bid.pk)


def _award(world: World) -> Award:
    award = Award.objects.filter(tender=world.tender).first()
    if award is None:
        raise Impossible
    return award


def _approver(world: World) -> User:
    if world.approver is None:
        raise Impossible
    return world.approver


def _fresh(world: World) -> Tender:
    return Tender.objects.get(pk=world.tender.pk)


def _unlock_and_score(cast: Cast, world: World) -> None:
    bid = _bid(world)
    ScoreSheet.objects.update(submitted_at=None)  # so only the tender's state can refuse the scores
    actions.save_scores(actor=cast.evaluator, bid=bid, scores={})


STEPS: dict[str, Callable[[Cast, World], Any]] = {
    "publish": lambda c, w: actions.publish_tender(actor=c.buyer, tender=_fresh(w)),
    "open": lambda c, w: actions.open_bids(actor=c.buyer, tender=_fresh(w)),
    "answer": lambda c, w: actions.answer_question(actor=c.buyer, question=w.question, answer="回答"),
    "assign": lambda c, w: actions.assign_evaluator(actor=c.buyer, tender=_fresh(w), user=c.outsider),
    "declare": lambda c, w: actions.declare_conflict(actor=c.officer, tender=_fresh(w), has_conflict=False),
    "score": _unlock_and_score,
    "moderate": lambda c, w: actions.moderate_score(
        actor=c.buyer,
        bid=_bid(w),
        criterion=w.tender.criteria.filter(is_price=False).first(),  # type: ignore[arg-type]
        points="6.5",
        reason="合議により",
    ),
    "complete": lambda c, w: actions.complete_evaluation(actor=c.buyer, tender=_fresh(w)),
    "award": lambda c, w: actions.award_tender(actor=c.buyer, tender=_fresh(w)),
    "approve": lambda c, w: actions.decide_approval(actor=_approver(w), subject=_award(w), approved=True),
    "contract": lambda c, w: actions.record_contract(
        actor=c.buyer, award=_award(w), starts_on=date(2027, 4, 1), ends_on=date(2028, 3, 31)
    ),
    "cancel": lambda c, w: actions.cancel_tender(actor=c.buyer, tender=_fresh(w), reason="再度の中止"),
}


def _snapshot(world: World) -> tuple[Any, ...]:
    tender = _fresh(world)
    return (
        tender.status,
        tender.cancel_reason,
        Evaluator.objects.count(),
        ConflictDeclaration.objects.count(),
        list(ScoreSheet.objects.values_list("pk", "submitted_at")),
        Moderation.objects.count(),
        BidOpening.objects.count(),
        list(Award.objects.values_list("status", "approval_status")),
        Contract.objects.count(),
        Question.objects.get(pk=world.question.pk).answered_at,
        AuditEntry.objects.filter(action__startswith="procurement.").count(),
        Event.objects.count(),
    )


def _attempt(cast: Cast, world: World, step: str) -> str | None:
    """Take `step` and undo it: None if taken, else the refusal's message (checked to change nothing)."""
    savepoint = transaction.savepoint()
    try:
        if step == "score":
            _bid(world)
            ScoreSheet.objects.update(submitted_at=None)
        before = _snapshot(world)
        try:
            STEPS[step](cast, world)
        except REFUSALS as error:
            assert _snapshot(world) == before, f"{step} refused but changed something"
            return str(error)
        return None
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("state", STATES)
def test_each_step_is_taken_only_in_the_states_that_allow_it_and_refused_with_a_reason_otherwise(
    cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any], state: str
) -> None:
    # given a tender in `state`, with every record a step needs
    world = _build(cast, make_tender, at, state)
    # when each step is tried (and undone)
    wrong = []
    with at(world.moment), translation.override("en"):
        for step in STEPS:
            try:
                refusal = _attempt(cast, world, step)
            except Impossible:
                assert step not in ALLOWED[state], f"{state}: {step} has nothing to act on"
                continue
            # then it is taken exactly where allowed; a refusal says why, a cancelled tender as such
            if (refusal is None) != (step in ALLOWED[state]):
                wrong.append(f"{state} / {step}: {'taken' if refusal is None else 'refused: ' + refusal}")
            elif refusal is not None and not refusal.strip():
                wrong.append(f"{state} / {step}: refused without a reason")
            elif refusal is not None and state.startswith("cancelled") and refusal != CANCELLED_MESSAGE:
                wrong.append(f"{state} / {step}: {refusal}")
    assert wrong == []


def _offered(page: str, world: World) -> set[str]:
    forms = {step: reverse("procurement:staff-tender-step", args=[world.tender.public_id, step]) for step in STEPS}
    forms["answer"] = reverse("procurement:staff-question-answer", args=[world.question.public_id])
    return {step for step, url in forms.items() if f'action="{url}"' in page}


@pytest.mark.parametrize("state", STATES)
def test_the_staff_page_offers_only_the_steps_the_state_allows(
    cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any], state: str
) -> None:
    world = _build(cast, make_tender, at, state)
    page = sign_in_with_mfa(Client(), cast.buyer).get(
        reverse("procurement:staff-tender-detail", args=[world.tender.public_id])
    )
    assert page.status_code == 200
    assert _offered(page.content.decode(), world) == OFFERED[state]


@pytest.mark.parametrize("state", ["cancelled", "cancelled_after_award"])
def test_naming_an_evaluator_on_a_cancelled_tender_is_refused_on_the_page_and_nobody_is_named(
    cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any], state: str
) -> None:
    # given a cancelled tender
    world = _build(cast, make_tender, at, state)
    evaluators = set(Evaluator.objects.values_list("user_id", flat=True))
    # when the department posts the (no longer offered) form all the same
    client = sign_in_with_mfa(Client(), cast.buyer)
    url = reverse("procurement:staff-tender-step", args=[world.tender.public_id, "assign"])
    page = client.post(url, {"user": cast.outsider.pk}, follow=True).content.decode()
    # then it is told why and nobody is named
    assert "This tender was cancelled" in page or "この案件は中止されています" in page
    assert "Evaluator named." not in page and "評価者を指名しました" not in page
    assert set(Evaluator.objects.values_list("user_id", flat=True)) == evaluators


def test_cancelling_an_award_s_tender_cancels_the_award_and_stops_its_route(
    cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any]
) -> None:
    world = _build(cast, make_tender, at, "cancelled_after_award")
    award = Award.objects.get(tender=world.tender)
    assert award.status == AwardStatus.CANCELLED
    assert not award.approvals.filter(decided_at__isnull=False).exists()
    entry = AuditEntry.objects.get(action="procurement.tender_cancelled")
    assert entry.data["award_cancelled"] is True and entry.data["previous_status"] == TenderStatus.AWARDED


def test_an_unknown_step_is_not_found_and_a_bad_contract_form_is_not_reported_as_recorded(
    cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any]
) -> None:
    world = _build(cast, make_tender, at, "awarded_standstill")
    client = sign_in_with_mfa(Client(), cast.buyer)
    assert (
        client.post(reverse("procurement:staff-tender-step", args=[world.tender.public_id, "undo"])).status_code == 404
    )
    url = reverse("procurement:staff-tender-step", args=[world.tender.public_id, "contract"])
    page = client.post(url, {"starts_on": "not a date"}, follow=True).content.decode()
    assert "Contract recorded." not in page and "契約を登録しました" not in page
    assert not Contract.objects.exists()


def test_the_evaluator_of_a_cancelled_tender_is_offered_neither_the_declaration_nor_scores(
    cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any]
) -> None:
    # given an opened tender, scored by `evaluator`, then cancelled; `officer` never declared
    world = _build(cast, make_tender, at, "opened")
    actions.cancel_tender(actor=cast.buyer, tender=world.tender, reason="中止")
    ScoreSheet.objects.update(submitted_at=None)
    url = reverse("procurement:staff-evaluate", args=[world.tender.public_id])
    # when each opens their page
    officer = sign_in_with_mfa(Client(), cast.officer).get(url).content.decode()
    evaluator = sign_in_with_mfa(Client(), cast.evaluator).get(url).content.decode()
    # then neither may declare or score
    assert 'name="has_conflict"' not in officer
    assert 'name="points-' not in evaluator
