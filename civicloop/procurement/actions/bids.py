# SPDX-License-Identifier: MPL-2.0
"""Sealed bids: submit, withdraw and resubmit strictly before the deadline; open at or after it.

The deadline is checked under the tender's row lock (`select_for_update`), and the opening takes
the same lock: a bid either commits before the opening reads the box, or is refused. Lock order:
the tender, then its bids.
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.classification.policy import Action, actor_label
from civicloop.core import audit
from civicloop.procurement import sealing
from civicloop.procurement.actions.recording import record, require, require_step
from civicloop.procurement.eligibility import reasons_not_eligible
from civicloop.procurement.errors import AlreadyOpened, BidsStillSealed, DeadlinePassed, NotEligible, WrongState
from civicloop.procurement.models import Bid, BidOpening, BidStatus, Service, Supplier, Tender, TenderStatus, TenderStep


def _open_tender(tender: Tender) -> Tender:
    """The tender locked, refusing once the deadline has passed (the comparison is strict: at it, closed)."""
    locked = Tender.objects.select_for_update().get(pk=tender.pk)
    if not locked.is_open_for_bids(timezone.now()):
        raise DeadlinePassed(_("The deadline for bids has passed."))
    return locked


@transaction.atomic
def submit_bid(
    *,
    actor: User,
    tender: Tender,
    supplier: Supplier,
    service: Service,
    price: int,
    proposal: str,
    answers: Mapping[str, str] | None = None,
) -> Bid:
    """Seal and store a bid, or replace the supplier's standing (or withdrawn) bid with this one.

    Nothing of the content is stored in clear: the price, the proposal and the answers go into
    the sealed box only, and the audit entry and event carry the box's digest.
    """
    require(actor, Action.WORK, supplier)
    require(actor, Action.WORK, tender)
    locked = _open_tender(tender)
    reasons = reasons_not_eligible(supplier=supplier, service=service, tender=locked, day=timezone.localdate())
    if reasons:
        raise NotEligible(" ".join(reasons))
    content: dict[str, Any] = {"price": int(price), "proposal": proposal, "answers": dict(answers or {})}
    bid = Bid.objects.select_for_update().filter(tender=locked, supplier=supplier).first()
    resubmitted = bid is not None
    if bid is None:
        bid = Bid(tender=locked, supplier=supplier, classification=locked.classification)
    else:
        bid.version += 1
    bid.sealed = sealing.seal_bid(locked.opening_public_key, content, binding=sealing.bid_binding(bid.public_id))
    bid.digest = sealing.digest_of(bid.sealed)
    bid.service, bid.status, bid.submitted_by = service, BidStatus.SUBMITTED, actor
    bid.submitted_at, bid.withdrawn_at = timezone.now(), None
    bid.save()
    facts = {"tender": str(locked.public_id), "supplier": str(supplier.public_id), "digest": bid.digest}
    record(actor, "bid_resubmitted" if resubmitted else "bid_submitted", bid, {**facts, "version": bid.version})
    return bid


@transaction.atomic
def withdraw_bid(*, actor: User, bid: Bid) -> Bid:
    """Withdraw a standing bid before the deadline: the sealed box is destroyed, the record stays."""
    require(actor, Action.WORK, bid)
    _open_tender(bid.tender)
    locked = Bid.objects.select_for_update().get(pk=bid.pk)
    if locked.status != BidStatus.SUBMITTED:
        raise WrongState(_("Only a submitted bid can be withdrawn."))
    locked.status, locked.sealed, locked.digest, locked.withdrawn_at = BidStatus.WITHDRAWN, None, "", timezone.now()
    locked.save(update_fields=["status", "sealed", "digest", "withdrawn_at"])
    record(actor, "bid_withdrawn", locked, {"tender": str(bid.tender.public_id), "version": locked.version})
    return locked


def _open_one(bid: Bid, key: Any) -> dict[str, Any]:
    if bid.sealed is None or sealing.digest_of(bid.sealed) != bid.digest:
        raise WrongState(_("A sealed bid does not match its receipt."))
    content = sealing.open_bid(key, bid.sealed, binding=sealing.bid_binding(bid.public_id))
    bid.price, bid.proposal, bid.answers = int(content["price"]), str(content["proposal"]), content["answers"]
    bid.status = BidStatus.OPENED
    bid.save(update_fields=["price", "proposal", "answers", "status"])
    return {"bid": str(bid.public_id), "supplier": str(bid.supplier.public_id), "digest": bid.digest}


@transaction.atomic
def open_bids(*, actor: User, tender: Tender, witness: User | None = None) -> BidOpening:
    """開札: unseal the opening key and open every standing bid, at or after the deadline only.

    The one place the opening key is unsealed. Refused (and the refusal audited) before the
    deadline, whoever asks, administrators included. The opening records who, when, and each
    bid's digest.
    """
    require(actor, Action.WORK, tender)
    locked = Tender.objects.select_for_update().get(pk=tender.pk)
    now = timezone.now()
    if locked.status in (TenderStatus.OPENED, TenderStatus.EVALUATED, TenderStatus.AWARDED, TenderStatus.CONTRACTED):
        raise AlreadyOpened(_("These bids were opened already."))
    require_step(locked, TenderStep.OPEN, _("Only a published tender's bids are opened."))
    if not locked.has_deadline_passed(now):
        raise BidsStillSealed(_("Bids stay sealed until the deadline."))
    key = sealing.open_opening_key(locked.public_id, locked.opening_private_key or {})
    standing = (
        Bid.objects.select_for_update().filter(tender=locked, status=BidStatus.SUBMITTED).select_related("supplier")
    )
    opened = [_open_one(bid, key) for bid in standing.order_by("submitted_at")]
    opening = BidOpening.objects.create(
        tender=locked,
        opened_by=actor,
        opened_at=now,
        bids=opened,
        witness=witness,
        classification=locked.classification,
    )
    locked.status = TenderStatus.OPENED
    locked.save(update_fields=["status"])
    record(actor, "bids_opened", locked, {"bids": len(opened), "opened_at": now.isoformat()})
    return opening


def refuse_early_opening(*, actor: User, tender: Tender) -> None:
    """Audit an attempt to open before the deadline (called by the view once the action refused)."""
    audit.record(
        actor=actor_label(actor),
        action="procurement.open_refused",
        object_type="procurement.tender",
        object_id=str(tender.public_id),
        data={"bid_deadline": tender.bid_deadline.isoformat()},
        classification=tender.classification,
    )
