# SPDX-License-Identifier: MPL-2.0
"""Who may see and act on procurement records: the one policy, plus suppliers and evaluators.

- Staff: `classification.policy` decides, unchanged (clearance, device, handling, department,
  oversight roles). Supplier records, qualifications, services and verifications belong to 契約課
  (`CONTRACTS_DEPARTMENT`); a tender, its bids and its evaluation to the department that tenders.
- Evaluators: a member of staff named on a tender (`Evaluator`) is asked about as a member of
  their own department (`DepartmentView`, as council's `AssignedView`), so clearance, device and
  handling still apply; they see that tender and its opened bids, and work their own score sheets.
  Nothing else of other departments' tenders.
- Suppliers: a supplier's accounts see their own company, qualifications, services and bids, and
  published tenders with their published answers. Never another supplier's bid, never evaluation.
- Anyone else: nothing.

`evaluate` decides; `decide` is the same, with the audit entry the policy writes for denials and
for SECRET and above. The QuerySets' `visible_to` (queries.py) filter by the same rules, and
tests/test_matrix.py compares the two over the cast.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser

from civicloop.accounts.models import User
from civicloop.classification import policy
from civicloop.classification.marking import highest
from civicloop.classification.policy import NO_CONTEXT, Action, Context, Decision
from civicloop.core import audit
from civicloop.procurement.models import (
    Bid,
    BidStatus,
    Evaluator,
    Qualification,
    Question,
    ScoreSheet,
    SecurityDeclaration,
    Service,
    Supplier,
    SupplierDocument,
    Tender,
    TenderDocument,
    TenderStatus,
    Verification,
)

# What a supplier may do to its own records: read them, and act (bid, ask, declare).
SUPPLIER_ACTIONS = frozenset({Action.VIEW, Action.WORK, Action.EDIT, Action.DOWNLOAD})


@dataclass
class DepartmentView:
    """A record as the policy is asked about it on someone's behalf: its tier and id, a named owning department.

    An evaluator's tender is asked about with the evaluator's department as owner (as council's
    `AssignedView`); lists of 契約課's records ask about one per tier.
    """

    classification: str
    public_id: Any
    department_code: str
    owner_id: int | None = None
    guest_key: str = ""


def _tender_of(obj: Any) -> Tender | None:
    if isinstance(obj, Tender):
        return obj
    if isinstance(obj, Bid | Question | TenderDocument):
        return obj.tender
    if isinstance(obj, ScoreSheet):
        return obj.bid.tender
    return None


def _supplier_of(obj: Any) -> Supplier | None:
    if isinstance(obj, Supplier):
        return obj
    if isinstance(obj, Qualification | Service | Bid | SupplierDocument):
        return obj.supplier
    if isinstance(obj, SecurityDeclaration):
        return obj.service.supplier
    return None


def _supplier_decision(user: User, action: Action, obj: Any) -> Decision:
    if not user.is_active:
        return Decision(False, "inactive account")
    if action not in SUPPLIER_ACTIONS:
        return Decision(False, f"suppliers do not {action}")
    if isinstance(obj, Tender | TenderDocument):
        tender = _tender_of(obj)
        published = tender is not None and tender.status not in (TenderStatus.DRAFT, TenderStatus.CANCELLED)
        if published and action in (Action.VIEW, Action.DOWNLOAD, Action.WORK):
            return Decision(True, "published tender")
        return Decision(False, "not published")
    if isinstance(obj, Question):
        if obj.answered_at and obj.tender.status != TenderStatus.DRAFT and action is Action.VIEW:
            return Decision(True, "published answer")
        if user.suppliers.filter(pk=obj.asked_by_id).exists():
            return Decision(True, "own question")
        return Decision(False, "not published")
    if isinstance(obj, Verification):
        return Decision(False, "staff records")
    owner = _supplier_of(obj)
    if owner is not None and user.suppliers.filter(pk=owner.pk).exists():
        return Decision(True, "own company")
    return Decision(False, "another company's record")


def evaluator_of(user: User, tender: Tender) -> Evaluator | None:
    return Evaluator.objects.filter(tender=tender, user=user).first()


def _evaluator_decision(user: User, action: Action, obj: Any, context: Context) -> Decision | None:
    """The decision for an evaluator of the record's tender, or None if they are not one."""
    tender = _tender_of(obj)
    if tender is None or (isinstance(obj, TenderDocument) and action is not Action.VIEW):
        return None
    evaluator = evaluator_of(user, tender)
    mine = list(user.departments.values_list("code", flat=True)[:1])
    if evaluator is None or not mine:
        return None
    if isinstance(obj, Bid) and obj.is_sealed:
        return Decision(False, "the bid is sealed")
    if isinstance(obj, ScoreSheet) and obj.evaluator_id != evaluator.pk:
        return Decision(False, "another evaluator's sheet")
    if action is Action.WORK and not isinstance(obj, ScoreSheet):
        # Not on the tender either: WORK on a tender publishes, opens, awards and names evaluators,
        # which belong to its department (the conflict declaration asks for VIEW only).
        return Decision(False, "evaluators score; they do not act on the tender or its bids")
    # At the higher of the record's tier and its tender's: a question or bid of a SECRET tender is SECRET.
    tier = highest([obj.classification, tender.classification])
    view = DepartmentView(tier, getattr(obj, "public_id", obj.pk), mine[0])
    return policy.evaluate(user, action, view, context)


def evaluate(user: User | AnonymousUser, action: Action, obj: Any, context: Context = NO_CONTEXT) -> Decision:
    """May `user` take `action` on the procurement record `obj`? Without the audit entry."""
    if not (isinstance(user, User) and user.is_authenticated):
        return Decision(False, "not signed in")
    if user.is_supplier:
        return _supplier_decision(user, action, obj)
    if not user.is_staff_member:
        return Decision(False, "residents have no procurement records")
    if isinstance(obj, ScoreSheet):
        # Only its evaluator writes a sheet; the department reads it once it is submitted.
        as_evaluator = _evaluator_decision(user, action, obj, context)
        if as_evaluator is not None and as_evaluator.allowed:
            return as_evaluator
        if action is Action.VIEW and obj.is_locked:
            return policy.evaluate(user, action, obj.bid.tender, context)
        return Decision(False, "only its evaluator, until it is submitted")
    decision = policy.evaluate(user, action, _protected(obj), context)
    if decision.allowed:
        return decision
    return _evaluator_decision(user, action, obj, context) or decision


def _protected(obj: Any) -> Any:
    """What the one policy is asked about: the record, or its tender for records without a department."""
    if isinstance(obj, Question | TenderDocument | Bid):
        return obj.tender
    return obj


def decide(user: User | AnonymousUser, action: Action, obj: Any, context: Context = NO_CONTEXT) -> Decision:
    """`evaluate`, with denials and SECRET-and-above decisions written to the audit log (as `policy.decide`)."""
    decision = evaluate(user, action, obj, context)
    if not decision.allowed or policy.rank(obj.classification) >= policy.rank("SECRET"):
        audit.record(
            actor=policy.actor_label(user),
            action=f"access.{action}",
            object_type=policy.object_type_label(obj),
            object_id=str(getattr(obj, "public_id", None) or obj.pk),
            data={"allowed": decision.allowed, "reason": decision.reason, "device": str(context.device_trust)},
            classification=obj.classification,
        )
    return decision


def may(user: User | AnonymousUser, action: Action, obj: Any, context: Context = NO_CONTEXT) -> bool:
    """For display hints only (which buttons to show): `evaluate` without the audit entry."""
    return evaluate(user, action, obj, context).allowed


def is_sealed_for_everyone(bid: Bid) -> bool:
    """A sealed bid's content is refused to everyone, whatever the policy says about the record."""
    return bid.status in (BidStatus.SUBMITTED, BidStatus.WITHDRAWN)
