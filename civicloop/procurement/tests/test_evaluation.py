# SPDX-License-Identifier: MPL-2.0
"""Conflicts, scores locked on submission, the weighted ranking, moderation, award, standstill, contract."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from civicloop.accounts.models import Position
from civicloop.classification.policy import NotPermitted
from civicloop.procurement import actions
from civicloop.procurement.errors import ConflictOfInterest, ScoresLocked, WrongState
from civicloop.procurement.models import ApprovalStatus, AwardStatus, Bid, Tender, TenderStatus
from civicloop.procurement.ranking import rank_bids
from civicloop.procurement.tests.conftest import Cast, approver, service_of


@pytest.fixture
def opened(cast: Cast, tender: Tender, at: Callable[..., Any]) -> Tender:
    """Alpha bids 4,000,000 and beta 2,000,000; opened after the deadline; `evaluator` named."""
    for who, price in (("alpha", 4_000_000), ("beta", 2_000_000)):
        supplier = getattr(cast, who)
        actions.submit_bid(
            actor=getattr(cast, f"{who}_user"),
            tender=tender,
            supplier=supplier,
            service=service_of(supplier),
            price=price,
            proposal=f"{who}の提案",
        )
    actions.assign_evaluator(actor=cast.buyer, tender=tender, user=cast.evaluator)
    with at(tender.bid_deadline + timedelta(seconds=1)):
        actions.open_bids(actor=cast.buyer, tender=tender)
    tender.refresh_from_db()
    return tender


def bid_of(tender: Tender, supplier: Any) -> Bid:
    return Bid.objects.get(tender=tender, supplier=supplier)


def quality(tender: Tender) -> dict[str, int]:
    return {c.name_en: c.pk for c in tender.criteria.filter(is_price=False)}


def score_all(cast: Cast, tender: Tender, points: dict[str, dict[str, int]]) -> None:
    criteria = quality(tender)
    for who, by_name in points.items():
        bid = bid_of(tender, getattr(cast, who))
        scores = {criteria[name]: (value, f"{name}の評価理由") for name, value in by_name.items()}
        actions.save_scores(actor=cast.evaluator, bid=bid, scores=scores)
        actions.submit_scores(actor=cast.evaluator, bid=bid)


def test_an_evaluator_who_has_not_declared_cannot_score(cast: Cast, opened: Tender) -> None:
    with pytest.raises(ConflictOfInterest):
        actions.save_scores(actor=cast.evaluator, bid=bid_of(opened, cast.alpha), scores={})


def test_a_conflicted_evaluator_cannot_score(cast: Cast, opened: Tender) -> None:
    actions.declare_conflict(actor=cast.evaluator, tender=opened, has_conflict=True, detail="alphaの元社員")
    criterion = next(iter(quality(opened).values()))
    with pytest.raises(ConflictOfInterest):
        actions.save_scores(actor=cast.evaluator, bid=bid_of(opened, cast.alpha), scores={criterion: (5, "理由")})


def test_someone_not_named_an_evaluator_cannot_declare_or_score(cast: Cast, opened: Tender) -> None:
    with pytest.raises((ConflictOfInterest, NotPermitted)):
        actions.declare_conflict(actor=cast.outsider, tender=opened, has_conflict=False)


def test_a_submitted_sheet_is_locked(cast: Cast, opened: Tender) -> None:
    actions.declare_conflict(actor=cast.evaluator, tender=opened, has_conflict=False)
    score_all(cast, opened, {"alpha": {"Functionality": 8, "Support": 6}})
    criterion = quality(opened)["Functionality"]
    with pytest.raises(ScoresLocked):
        actions.save_scores(actor=cast.evaluator, bid=bid_of(opened, cast.alpha), scores={criterion: (10, "やり直し")})


def test_a_score_needs_a_reason(cast: Cast, opened: Tender) -> None:
    actions.declare_conflict(actor=cast.evaluator, tender=opened, has_conflict=False)
    criterion = quality(opened)["Functionality"]
    with pytest.raises(WrongState):
        actions.save_scores(actor=cast.evaluator, bid=bid_of(opened, cast.alpha), scores={criterion: (8, "  ")})


def test_the_ranking_weighs_price_and_quality(cast: Cast, opened: Tender) -> None:
    # given price 40 (beta is half alpha's price), functionality 40, support 20
    actions.declare_conflict(actor=cast.evaluator, tender=opened, has_conflict=False)
    score_all(
        cast,
        opened,
        {"alpha": {"Functionality": 10, "Support": 10}, "beta": {"Functionality": 4, "Support": 5}},
    )
    # when
    ranking = rank_bids(opened)
    # then alpha: 40×5/10 + 40 + 20 = 80; beta: 40 + 40×4/10 + 20×5/10 = 66
    assert [(r.bid.supplier_id, r.total) for r in ranking] == [
        (cast.alpha.pk, Decimal("80.00")),
        (cast.beta.pk, Decimal("66.00")),
    ]


def test_moderation_replaces_the_evaluators_mean_and_is_recorded(cast: Cast, opened: Tender) -> None:
    actions.declare_conflict(actor=cast.evaluator, tender=opened, has_conflict=False)
    score_all(cast, opened, {"alpha": {"Functionality": 10, "Support": 10}, "beta": {"Functionality": 4, "Support": 5}})
    criterion = opened.criteria.get(name_en="Functionality")
    moderation = actions.moderate_score(
        actor=cast.buyer, bid=bid_of(opened, cast.alpha), criterion=criterion, points="2", reason="根拠が不十分"
    )
    assert moderation.moderated_by == cast.buyer
    # alpha: 20 + 40×2/10 + 20 = 48 < beta's 66
    assert rank_bids(opened)[0].bid.supplier_id == cast.beta.pk


def test_the_evaluation_completes_only_when_every_sheet_is_in(cast: Cast, opened: Tender) -> None:
    actions.declare_conflict(actor=cast.evaluator, tender=opened, has_conflict=False)
    score_all(cast, opened, {"alpha": {"Functionality": 7, "Support": 7}})
    with pytest.raises(WrongState):
        actions.complete_evaluation(actor=cast.buyer, tender=opened)
    score_all(cast, opened, {"beta": {"Functionality": 7, "Support": 7}})
    assert actions.complete_evaluation(actor=cast.buyer, tender=opened).status == TenderStatus.EVALUATED


def test_an_award_above_the_threshold_waits_for_the_route_then_the_standstill_then_the_contract(
    cast: Cast, opened: Tender, at: Callable[..., Any]
) -> None:
    # given a completed evaluation (2,000,000 yen: the 100万円以上 route, 係長 → 課長 → 部長)
    actions.declare_conflict(actor=cast.evaluator, tender=opened, has_conflict=False)
    score_all(cast, opened, {"alpha": {"Functionality": 5, "Support": 5}, "beta": {"Functionality": 5, "Support": 5}})
    actions.complete_evaluation(actor=cast.buyer, tender=opened)
    # when
    award = actions.award_tender(actor=cast.buyer, tender=opened)
    # then
    assert award.supplier == cast.beta and award.value == 2_000_000
    assert award.approval_status == ApprovalStatus.PENDING and award.standstill_ends_at is None
    assert [s.position for s in award.approvals.all()] == [Position.KAKARICHO, Position.KACHO, Position.BUCHO]
    with pytest.raises(NotPermitted):
        actions.decide_approval(actor=approver(Position.KACHO), subject=award, approved=True)
    for position in (Position.KAKARICHO, Position.KACHO, Position.BUCHO):
        actions.decide_approval(actor=approver(position), subject=award, approved=True)
    award.refresh_from_db()
    assert award.status == AwardStatus.STANDSTILL and award.standstill_ends_at is not None
    with pytest.raises(WrongState):
        actions.record_contract(actor=cast.buyer, award=award, starts_on=date(2027, 4, 1), ends_on=date(2028, 3, 31))
    with at(award.standstill_ends_at + timedelta(seconds=1)):
        contract = actions.record_contract(
            actor=cast.buyer, award=award, starts_on=date(2027, 4, 1), ends_on=date(2028, 3, 31)
        )
    assert contract.value == 2_000_000 and Tender.objects.get(pk=opened.pk).status == TenderStatus.CONTRACTED


def test_an_award_below_the_threshold_goes_straight_to_the_standstill(
    cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any]
) -> None:
    tender = make_tender(
        criteria=[{"name": "価格", "weight": 100, "is_price": True}], price_approach="lowest_price", estimate=900_000
    )
    actions.submit_bid(
        actor=cast.alpha_user,
        tender=tender,
        supplier=cast.alpha,
        service=service_of(cast.alpha),
        price=800_000,
        proposal="",
    )
    with at(tender.bid_deadline):
        actions.open_bids(actor=cast.buyer, tender=tender)
        actions.complete_evaluation(actor=cast.buyer, tender=tender)
        award = actions.award_tender(actor=cast.buyer, tender=tender)
    assert award.approval_status == ApprovalStatus.NOT_REQUIRED and award.status == AwardStatus.STANDSTILL


def test_the_weights_must_sum_to_100_to_publish(cast: Cast, make_tender: Callable[..., Tender]) -> None:
    from civicloop.procurement.errors import InvalidTender

    with pytest.raises(InvalidTender):
        make_tender(criteria=[{"name": "価格", "weight": 60, "is_price": True}, {"name": "機能", "weight": 30}])
