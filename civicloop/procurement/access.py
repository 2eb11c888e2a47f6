# SPDX-License-Identifier: MPL-2.0
"""Access helpers: the only way a view, the admin or an action's caller opens a procurement record.

Each loads by public id and asks `rules.decide` once; missing and refused are the same 404. The
list functions filter by the same rules (tests/test_matrix.py holds them to it).
"""

import uuid
from typing import Any, TypeVar
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from civicloop.accounts.models import User
from civicloop.classification import policy
from civicloop.classification.policy import Action, Context, visible_q
from civicloop.core.models import Classification
from civicloop.procurement import rules
from civicloop.procurement.models import (
    CONTRACTS_DEPARTMENT,
    Bid,
    BidStatus,
    DirectAward,
    Qualification,
    Question,
    ScoreSheet,
    Service,
    Supplier,
    SupplierDocument,
    Tender,
    TenderDocument,
    TenderStatus,
)
from civicloop.procurement.models.suppliers import ServiceQuerySet
from civicloop.procurement.rules import DepartmentView

M = TypeVar("M", bound=Model)


def _get(queryset: QuerySet[M], user: Any, public_id: UUID | str, action: Action, context: Context) -> M:
    try:
        obj = queryset.filter(public_id=public_id).first()
    except (ValidationError, ValueError) as exc:
        raise Http404 from exc
    if obj is None or not rules.decide(user, action, obj, context).allowed:
        raise Http404
    return obj


def get_supplier_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Supplier:
    """The supplier if `user` may `action` it (its own accounts; 契約課 staff); else 404."""
    return _get(Supplier.objects.all(), user, public_id, action, context)


def get_supplier_document_for_user(
    user: Any, public_id: UUID | str, *, action: Action, context: Context
) -> SupplierDocument:
    """A registration document if `user` may `action` it (its company's accounts; 契約課 staff); else 404."""
    return _get(SupplierDocument.objects.select_related("supplier"), user, public_id, action, context)


def get_qualification_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Qualification:
    return _get(Qualification.objects.select_related("supplier"), user, public_id, action, context)


def get_service_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Service:
    return _get(Service.objects.select_related("supplier"), user, public_id, action, context)


def get_tender_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Tender:
    """The tender if `user` may `action` it: its department, its evaluators, suppliers once published."""
    return _get(Tender.objects.select_related("department"), user, public_id, action, context)


def get_tender_document_for_user(
    user: Any, public_id: UUID | str, *, action: Action, context: Context
) -> TenderDocument:
    return _get(TenderDocument.objects.select_related("tender__department"), user, public_id, action, context)


def get_question_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Question:
    return _get(Question.objects.select_related("tender__department"), user, public_id, action, context)


def get_bid_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Bid:
    """The bid if `user` may `action` it: its own supplier; the department; evaluators once opened."""
    return _get(Bid.objects.select_related("tender__department", "supplier"), user, public_id, action, context)


def get_sheet_for_user(user: Any, pk: int, *, action: Action, context: Context) -> ScoreSheet:
    try:
        sheet = ScoreSheet.objects.select_related("bid__tender__department", "evaluator").filter(pk=pk).first()
    except (ValidationError, ValueError) as exc:
        raise Http404 from exc
    if sheet is None or not rules.decide(user, action, sheet, context).allowed:
        raise Http404
    return sheet


def get_direct_award_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> DirectAward:
    return _get(DirectAward.objects.select_related("department"), user, public_id, action, context)


def _staff_q(user: User, context: Context, action: Action, department_id_field: str) -> Q:
    return visible_q(
        user,
        owner_field="pk",
        guest_field="pk",
        department_id_field=department_id_field,
        context=context,
        action=action,
    )


def _is(user: Any, kind: str) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.is_active and user.kind == kind


def _evaluated_tenders(user: User) -> "QuerySet[Tender]":
    return Tender.objects.filter(evaluators__user=user)


def tenders_visible_to(user: Any, context: Context, *, action: Action = Action.VIEW) -> "QuerySet[Tender]":
    """The tenders a list may show `user`: the same rules as `get_tender_for_user`."""
    if _is(user, User.Kind.SUPPLIER):
        return Tender.objects.exclude(status__in=[TenderStatus.DRAFT, TenderStatus.CANCELLED])
    if _is(user, User.Kind.STAFF):
        own = Tender.objects.filter(_staff_q(user, context, action, "department_id"))
        ids = [t.pk for t in _evaluated_tenders(user) if rules.evaluate(user, action, t, context).allowed]
        return Tender.objects.filter(Q(pk__in=own.values("pk")) | Q(pk__in=ids))
    return Tender.objects.none()


def bids_visible_to(user: Any, context: Context, *, action: Action = Action.VIEW) -> "QuerySet[Bid]":
    """The bids a list may show `user`: a supplier's own; the department's; opened ones to evaluators."""
    if _is(user, User.Kind.SUPPLIER):
        return Bid.objects.filter(supplier__users=user)
    if _is(user, User.Kind.STAFF):
        own = Q(tender__in=Tender.objects.filter(_staff_q(user, context, action, "department_id")))
        evaluated = [t.pk for t in _evaluated_tenders(user) if rules.evaluate(user, action, t, context).allowed]
        opened = Q(tender_id__in=evaluated) & Q(status__in=[BidStatus.OPENED, BidStatus.INELIGIBLE])
        return Bid.objects.filter(own | opened)
    return Bid.objects.none()


def contracts_tiers(user: User, context: Context, action: Action) -> list[str]:
    """The tiers of 契約課's records (suppliers, services) `user` may `action` from this device.

    TOP SECRET needs a need-to-know grant on the one record, so no list shows it (its page may).
    """
    return [
        tier
        for tier in (Classification.OFFICIAL, Classification.SECRET)
        if policy.evaluate(user, action, DepartmentView(tier, uuid.uuid4(), CONTRACTS_DEPARTMENT), context).allowed
    ]


def suppliers_visible_to(user: Any, context: Context, *, action: Action = Action.VIEW) -> "QuerySet[Supplier]":
    """A supplier's accounts see their company; 契約課 (and oversight roles) every supplier."""
    if _is(user, User.Kind.SUPPLIER):
        return Supplier.objects.filter(users=user)
    if _is(user, User.Kind.STAFF):
        return Supplier.objects.filter(classification__in=contracts_tiers(user, context, action))
    return Supplier.objects.none()


def services_visible_to(user: Any, context: Context, *, action: Action = Action.VIEW) -> "QuerySet[Service]":
    """A supplier's own services; for staff, 契約課's tiers (the catalogue itself shows approved ones only)."""
    if _is(user, User.Kind.SUPPLIER):
        return Service.objects.filter(supplier__users=user)
    if _is(user, User.Kind.STAFF):
        return Service.objects.filter(classification__in=contracts_tiers(user, context, action))
    return Service.objects.none()


def catalogue_for(user: Any, context: Context) -> ServiceQuerySet:
    """The services the catalogue may show `user`: every department searches the OFFICIAL ones (the
    catalogue is how they find a supplier); a service marked SECRET only to those the one policy
    lets read 契約課's SECRET records from this device; TOP SECRET never (a list shows no TOP SECRET)."""
    services = ServiceQuerySet(Service)
    if not _is(user, User.Kind.STAFF):
        return services.none()
    tiers = {Classification.OFFICIAL, *contracts_tiers(user, context, Action.VIEW)}
    return services.filter(classification__in=sorted(tiers))
