# SPDX-License-Identifier: MPL-2.0
"""Evaluation: evaluators, conflict declarations, score sheets (locked on submission), moderation."""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.classification.policy import Action
from civicloop.procurement.actions.recording import record, require, require_step
from civicloop.procurement.errors import ConflictOfInterest, ScoresLocked, WrongState
from civicloop.procurement.models import (
    MAX_SCORE,
    Bid,
    BidStatus,
    ConflictDeclaration,
    Criterion,
    Evaluator,
    Moderation,
    Score,
    ScoreSheet,
    Tender,
    TenderStatus,
    TenderStep,
)
from civicloop.procurement.rules import evaluator_of


@transaction.atomic
def assign_evaluator(*, actor: User, tender: Tender, user: User) -> Evaluator:
    """Name a member of staff to evaluate `tender`; they see it (and its opened bids) from now on.

    Until the evaluation is complete: a replacement for an evaluator who declares a conflict is
    named after the opening, when the bidders are known.
    """
    require(actor, Action.WORK, tender)
    locked = Tender.objects.select_for_update().get(pk=tender.pk)
    require_step(locked, TenderStep.ASSIGN, _("Evaluators are named until the evaluation is complete."))
    if not user.is_staff_member:
        raise WrongState(_("Evaluators are members of staff."))
    evaluator, created = Evaluator.objects.get_or_create(
        tender=locked,
        user=user,
        defaults={"assigned_by": actor, "assigned_at": timezone.now(), "classification": tender.classification},
    )
    if created:
        record(actor, "evaluator_assigned", evaluator, {"tender": str(tender.public_id), "user": str(user.public_id)})
    return evaluator


def _my_evaluator(actor: User, tender: Tender) -> Evaluator:
    evaluator = evaluator_of(actor, tender)
    if evaluator is None:
        raise ConflictOfInterest(_("You are not an evaluator of this tender."))
    return evaluator


@transaction.atomic
def declare_conflict(*, actor: User, tender: Tender, has_conflict: bool, detail: str = "") -> ConflictDeclaration:
    """利益相反の申告, once the bidders are known (after the opening); a conflict bars scoring."""
    require(actor, Action.VIEW, tender)
    evaluator = _my_evaluator(actor, tender)
    locked = Tender.objects.select_for_update().get(pk=tender.pk)
    if locked.status in (TenderStatus.DRAFT, TenderStatus.PUBLISHED):
        raise WrongState(_("Declare once the bids are opened and the bidders known."))
    require_step(locked, TenderStep.DECLARE, _("The evaluation of this tender is over."))
    if ConflictDeclaration.objects.filter(evaluator=evaluator).exists():
        raise WrongState(_("You have declared already."))
    declaration = ConflictDeclaration.objects.create(
        evaluator=evaluator,
        has_conflict=has_conflict,
        detail=detail,
        declared_at=timezone.now(),
        classification=tender.classification,
    )
    record(actor, "conflict_declared", declaration, {"tender": str(tender.public_id), "has_conflict": has_conflict})
    return declaration


def _sheet(actor: User, bid: Bid) -> ScoreSheet:
    tender = Tender.objects.select_for_update().get(pk=bid.tender_id)
    require_step(tender, TenderStep.SCORE, _("Only opened bids of a tender under evaluation are scored."))
    if bid.status != BidStatus.OPENED:
        raise WrongState(_("Only opened bids of a tender under evaluation are scored."))
    evaluator = _my_evaluator(actor, bid.tender)
    if not evaluator.may_score():
        raise ConflictOfInterest(_("Declare that you have no conflict of interest before scoring."))
    sheet, _created = ScoreSheet.objects.select_for_update().get_or_create(
        evaluator=evaluator, bid=bid, defaults={"classification": bid.classification}
    )
    require(actor, Action.WORK, sheet)
    if sheet.is_locked:
        raise ScoresLocked(_("These scores were submitted and are locked."))
    return sheet


@transaction.atomic
def save_scores(*, actor: User, bid: Bid, scores: Mapping[int, tuple[int, str]]) -> ScoreSheet:
    """Score each non-price criterion 0–10 with a reason; the sheet stays editable until submitted."""
    sheet = _sheet(actor, bid)
    criteria = {c.pk: c for c in bid.tender.criteria.filter(is_price=False)}
    for criterion_id, (points, reason) in scores.items():
        criterion = criteria.get(int(criterion_id))
        if criterion is None:
            raise WrongState(_("Unknown criterion."))
        if not 0 <= int(points) <= MAX_SCORE or not reason.strip():
            raise WrongState(_("Each score is 0 to 10 and needs a reason."))
        Score.objects.update_or_create(
            sheet=sheet,
            criterion=criterion,
            defaults={"points": int(points), "reason": reason.strip(), "classification": sheet.classification},
        )
    record(actor, "scores_saved", sheet, {"bid": str(bid.public_id), "criteria": sorted(map(int, scores))})
    return sheet


@transaction.atomic
def submit_scores(*, actor: User, bid: Bid) -> ScoreSheet:
    """Submit the sheet: every non-price criterion scored; from now on it is locked."""
    sheet = _sheet(actor, bid)
    needed = set(bid.tender.criteria.filter(is_price=False).values_list("pk", flat=True))
    if needed - set(sheet.scores.values_list("criterion_id", flat=True)):
        raise WrongState(_("Score every criterion before submitting."))
    sheet.submitted_at = timezone.now()
    sheet.save(update_fields=["submitted_at"])
    record(actor, "scores_submitted", sheet, {"bid": str(bid.public_id)})
    return sheet


@transaction.atomic
def moderate_score(*, actor: User, bid: Bid, criterion: Criterion, points: str, reason: str) -> Moderation:
    """The department's agreed score of a criterion where evaluators differ, with the reason (during the evaluation)."""
    require(actor, Action.WORK, bid.tender)
    tender = Tender.objects.select_for_update().get(pk=bid.tender_id)
    require_step(tender, TenderStep.MODERATE, _("Scores are moderated while the evaluation is under way."))
    if criterion.tender_id != bid.tender_id or criterion.is_price:
        raise WrongState(_("Moderate a quality criterion of this tender."))
    if not reason.strip():
        raise WrongState(_("Give the reason for the agreed score."))
    moderation = Moderation.objects.create(
        bid=bid,
        criterion=criterion,
        points=points,
        reason=reason.strip(),
        moderated_by=actor,
        moderated_at=timezone.now(),
        classification=bid.classification,
    )
    record(actor, "score_moderated", moderation, {"bid": str(bid.public_id), "criterion": criterion.pk})
    return moderation


@transaction.atomic
def complete_evaluation(*, actor: User, tender: Tender) -> Tender:
    """Close the evaluation once each evaluator without a conflict has submitted a sheet for each bid."""
    require(actor, Action.WORK, tender)
    locked = Tender.objects.select_for_update().get(pk=tender.pk)
    require_step(locked, TenderStep.COMPLETE, _("Only a tender whose bids are opened can be evaluated."))
    scoring = [e for e in locked.evaluators.all() if e.may_score()]
    bids = list(locked.bids.valid())
    has_quality = locked.criteria.filter(is_price=False).exists()
    if has_quality and (
        not scoring
        or any(
            not ScoreSheet.objects.filter(evaluator=e, bid=b, submitted_at__isnull=False).exists()
            for e in scoring
            for b in bids
        )
    ):
        raise WrongState(_("Every evaluator must submit scores for every bid first."))
    locked.status = TenderStatus.EVALUATED
    locked.save(update_fields=["status"])
    record(actor, "evaluation_completed", locked, {"bids": len(bids), "evaluators": len(scoring)})
    return locked
