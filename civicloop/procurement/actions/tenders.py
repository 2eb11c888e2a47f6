# SPDX-License-Identifier: MPL-2.0
"""Tenders: draft, publish (with its opening key), public Q&A."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import Department, User
from civicloop.classification.policy import Action
from civicloop.procurement import sealing
from civicloop.procurement.actions.recording import record, require, require_step
from civicloop.procurement.errors import DeadlinePassed, InvalidTender
from civicloop.procurement.models import (
    Award,
    AwardStatus,
    Criterion,
    Lot,
    PriceApproach,
    Question,
    Supplier,
    Tender,
    TenderStatus,
    TenderStep,
)


def _next_reference(now: datetime) -> str:
    year = timezone.localtime(now).year
    count = Tender.objects.filter(reference__startswith=f"{year}-").count()
    return f"{year}-{count + 1:04d}"


@transaction.atomic
def create_tender(
    *, actor: User, department: Department, fields: Mapping[str, Any], criteria: Sequence[Mapping[str, Any]]
) -> Tender:
    """A draft tender of `department` with its weighted criteria; checked again when it is published."""
    probe = Tender(department=department, **fields)
    require(actor, Action.WORK, probe)
    tender = Tender.objects.create(
        department=department, created_by=actor, reference=_next_reference(timezone.now()), **fields
    )
    for order, criterion in enumerate(criteria):
        Criterion.objects.create(tender=tender, order=order, classification=tender.classification, **criterion)
    record(actor, "tender_created", tender, {"department": department.code, "reference": tender.reference})
    return tender


def publication_problems(tender: Tender, now: datetime) -> list[str]:
    """What stops `tender` being published: weights, price criterion, lots, deadlines."""
    problems = []
    criteria = list(tender.criteria.all())
    if sum(c.weight for c in criteria) != 100:
        problems.append(_("The criteria's weights must add up to 100."))
    prices = [c for c in criteria if c.is_price]
    if tender.price_approach == PriceApproach.FIXED_PRICE and prices:
        problems.append(_("A fixed-price tender has no price criterion."))
    if tender.price_approach != PriceApproach.FIXED_PRICE and len(prices) != 1:
        problems.append(_("This price approach needs exactly one price criterion."))
    if tender.price_approach == PriceApproach.LOWEST_PRICE and len(criteria) != 1:
        problems.append(_("A lowest-price tender has the price as its only criterion."))
    if not tender.lots or not set(tender.lots) <= set(Lot.values):
        problems.append(_("Choose at least one lot."))
    if tender.bid_deadline <= now or tender.questions_deadline > tender.bid_deadline:
        problems.append(_("The deadlines must be in the future, questions before bids."))
    return problems


@transaction.atomic
def publish_tender(*, actor: User, tender: Tender) -> Tender:
    """Publish a draft: bids may come in until its deadline, sealed to the opening key made now."""
    require(actor, Action.WORK, tender)
    locked = Tender.objects.select_for_update().get(pk=tender.pk)
    require_step(locked, TenderStep.PUBLISH, _("Only a draft can be published."))
    now = timezone.now()
    problems = publication_problems(locked, now)
    if problems:
        raise InvalidTender(" ".join(problems))
    locked.opening_public_key, locked.opening_private_key = sealing.new_opening_key(locked.public_id)
    locked.status, locked.published_at = TenderStatus.PUBLISHED, now
    locked.save(update_fields=["opening_public_key", "opening_private_key", "status", "published_at"])
    record(
        actor,
        "tender_published",
        locked,
        {"reference": locked.reference, "bid_deadline": locked.bid_deadline.isoformat(), "lots": locked.lots},
    )
    return locked


@transaction.atomic
def ask_question(*, actor: User, tender: Tender, supplier: Supplier, text: str) -> Question:
    """A bidder's question; its answer is published to every bidder, without the asker's name."""
    require(actor, Action.WORK, tender)
    require(actor, Action.WORK, supplier)
    now = timezone.now()
    if not tender.is_open_for_questions(now):
        raise DeadlinePassed(_("Questions are closed for this tender."))
    question = Question.objects.create(
        tender=tender, asked_by=supplier, text=text, asked_at=now, classification=tender.classification
    )
    record(actor, "question_asked", question, {"tender": str(tender.public_id)})
    return question


@transaction.atomic
def answer_question(*, actor: User, question: Question, answer: str) -> Question:
    """The department's answer, published at once to all bidders, until the bids are opened."""
    require(actor, Action.WORK, question.tender)
    tender = Tender.objects.select_for_update().get(pk=question.tender_id)
    require_step(tender, TenderStep.ANSWER, _("Questions are answered until the bids are opened."))
    locked = Question.objects.select_for_update().get(pk=question.pk)
    locked.answer, locked.answered_by, locked.answered_at = answer, actor, timezone.now()
    locked.save(update_fields=["answer", "answered_by", "answered_at"])
    record(actor, "question_answered", locked, {"tender": str(question.tender.public_id)})
    return locked


# Long enough for a paragraph on the notice; OCDS recommends document descriptions under 250 words.
CANCEL_REASON_MAX_LENGTH = 1000


@transaction.atomic
def cancel_tender(*, actor: User, tender: Tender, reason: str) -> Tender:
    """中止: the department withdraws the tender before its contract; its sealed bids are never opened.

    The reason is kept on the tender and in the audit entry, and published with the notice and the
    OCDS `tenderCancellation` release; the event carries its length only (events hold no free text).
    """
    require(actor, Action.WORK, tender)
    reason = reason.strip()
    if not reason:
        raise InvalidTender(_("Give the reason for cancelling."))
    if len(reason) > CANCEL_REASON_MAX_LENGTH:
        raise InvalidTender(_("The reason for cancelling is too long (at most 1,000 characters)."))
    locked = Tender.objects.select_for_update().get(pk=tender.pk)
    require_step(locked, TenderStep.CANCEL, _("This tender can no longer be cancelled."))
    previous = locked.status
    locked.status, locked.cancel_reason, locked.cancelled_at = TenderStatus.CANCELLED, reason, timezone.now()
    locked.save(update_fields=["status", "cancel_reason", "cancelled_at"])
    # An award not yet contracted falls with its tender: no approval or contract may follow it.
    award_cancelled = bool(
        Award.objects.filter(tender=locked)
        .exclude(status__in=[AwardStatus.CONFIRMED, AwardStatus.CANCELLED])
        .update(status=AwardStatus.CANCELLED)
    )
    record(
        actor,
        "tender_cancelled",
        locked,
        {"reason_length": len(reason), "award_cancelled": award_cancelled},
        audit_facts={"reason": reason, "previous_status": previous},
    )
    return locked
