# SPDX-License-Identifier: MPL-2.0
"""Writes of the classification app: label changes, need-to-know grants, key rotation.

They work on any classified object (Application, Case, Attachment, IssuedDocument …: family.py).
Lock order: the request row, then the target object, then its family in family order.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from civicloop.accounts.colleagues import colleagues
from civicloop.accounts.models import User
from civicloop.classification import crypto, family
from civicloop.classification.fields import ClassifiedJSONField, encrypted_fields
from civicloop.classification.models import ClassificationRequest, ClassificationRequestHistory, NeedToKnowGrant
from civicloop.classification.policy import (
    NO_CONTEXT,
    Action,
    Context,
    NotPermitted,
    actor_label,
    authorise,
    is_oversight,
    is_owner,
    is_security_officer,
    rank,
    records_refusals,
    tier_of,
)
from civicloop.core import audit, events
from civicloop.core.models import Classification

MIN_JUSTIFICATION = 8  # characters (Japanese is dense): a reason someone else can check, not "ok"
MAX_GRANT_DAYS = 366

Status = ClassificationRequest.Status


class ClassificationError(Exception):
    """Base of the named errors the edge maps to messages."""


class InvalidTier(ClassificationError):
    pass


class NoChange(ClassificationError):
    """The object already has the requested tier."""


class JustificationRequired(ClassificationError):
    pass


class NotAllowed(ClassificationError):
    """The person may not take this step (the edge answers 404)."""


class RequestClosed(ClassificationError):
    """The request was already approved or rejected."""


class StaleRequest(ClassificationError):
    """The object's tier changed since the request was made; ask again."""


class GrantInvalid(ClassificationError):
    pass


def _tier(value: str) -> Classification:
    try:
        return Classification(value)
    except ValueError:
        raise InvalidTier(value) from None


def _subject(obj: models.Model) -> str:
    return f"{obj._meta.model_name}/{obj.public_id}"  # type: ignore[attr-defined]


def _higher(a: str, b: str) -> str:
    return a if rank(a) >= rank(b) else b


def _lock(obj: models.Model) -> Any:
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def _check_may_request(user: User, obj: Any, context: Context) -> None:
    """Asking for a new label: the owning department's staff (WORK), or the security officer where
    they may see the object. Deciding and granting are not content reads: `may_decide` and
    `may_grant` name who (the officer is never named on TOP SECRET content to grant on it)."""
    needed = Action.VIEW if is_security_officer(user) else Action.WORK
    try:
        authorise(user, needed, obj, context)
    except NotPermitted as exc:
        refused = NotAllowed(str(exc))
        refused.refusal = exc.refusal  # type: ignore[attr-defined]  # written by records_refusals
        raise refused from exc


def _history(request: ClassificationRequest, status: str, actor: User, note: str = "") -> None:
    ClassificationRequestHistory.objects.create(request=request, status=status, actor=actor, note=note)


def _audit(actor: User, action: str, request: ClassificationRequest, **data: Any) -> None:
    audit.record(
        actor=actor_label(actor),
        action=action,
        object_type=request.object_label,
        object_id=str(request.object_public_id),
        data={"request": str(request.public_id), "from": request.from_tier, "to": request.to_tier, **data},
        classification=_higher(request.from_tier, request.to_tier),
    )


@records_refusals
def request_classification_change(
    *,
    obj: models.Model,
    requested_by: User,
    to_tier: str,
    justification: str,
    provisional: bool = False,
    context: Context = NO_CONTEXT,
) -> ClassificationRequest:
    """Ask for another tier for `obj`: its department's staff, or the information-security officer.

    A raise waits for the information-security officer unless it is `provisional` (applied at
    once, the owner notified through `classification.provisionally_raised`) or the requester is
    that officer. A lowering waits for the owner unless the requester is the owner.
    """
    new = _tier(to_tier)
    text = justification.strip()
    if not requested_by.is_staff_member:
        raise NotAllowed("only staff change labels")
    if len(text) < MIN_JUSTIFICATION:
        raise JustificationRequired
    with transaction.atomic():
        locked = _lock(obj)
        _check_may_request(requested_by, locked, context)
        old = str(locked.classification)
        if old == new:
            raise NoChange(old)
        raising = rank(new) > rank(old)
        if provisional and not raising:
            raise NotAllowed("only a raise can be provisional")
        request = ClassificationRequest.objects.create(
            content_type=family.content_type_of(locked),
            object_public_id=locked.public_id,
            department_code=locked.department_code,
            from_tier=old,
            to_tier=new,
            justification=text,
            status=Status.REQUESTED,
            requested_by=requested_by,
        )
        _history(request, Status.REQUESTED, requested_by, text)
        events.record(
            "classification.change_requested",
            subject=f"classification_request/{request.public_id}",
            data={"object": _subject(locked), "from": old, "to": new, "department": request.department_code},
            classification=_higher(old, new),
        )
        _audit(requested_by, "classification.request", request, provisional=provisional)
        if raising and is_security_officer(requested_by):
            _apply(request, locked, actor=requested_by, status=Status.APPROVED, note="raised by the security officer")
        elif not raising and is_owner(requested_by, locked):
            _apply(request, locked, actor=requested_by, status=Status.APPROVED, note="lowered by the owner")
        elif provisional:
            _apply(request, locked, actor=requested_by, status=Status.PROVISIONAL)
            events.record(
                "classification.provisionally_raised",
                subject=_subject(locked),
                data={
                    "request": str(request.public_id),
                    "from": old,
                    "to": new,
                    "department": request.department_code,
                    "requested_by": str(requested_by.public_id),
                },
                classification=new,
            )
    return request


def _apply(request: ClassificationRequest, obj: models.Model, *, actor: User, status: str, note: str = "") -> None:
    changes = family.relabel_family(obj, new=request.to_tier)
    now = timezone.now()
    request.applied_changes = [c.as_json() for c in changes]
    request.applied_at = now
    request.status = status
    fields = ["applied_changes", "applied_at", "status"]
    if status == Status.APPROVED:
        request.decided_by, request.decided_at, request.decision_note = actor, now, note
        fields += ["decided_by", "decided_at", "decision_note"]
    request.save(update_fields=fields)
    _history(request, status, actor, note)
    _record_changed(request, obj, changes=len(changes), reverted=False)
    _audit(actor, "classification.change", request, members=[c.as_json() for c in changes])


def _record_changed(request: ClassificationRequest, obj: models.Model, *, changes: int, reverted: bool) -> None:
    old, new = (request.to_tier, request.from_tier) if reverted else (request.from_tier, request.to_tier)
    events.record(
        "classification.changed",
        subject=_subject(obj),
        data={
            "request": str(request.public_id),
            "from": old,
            "to": new,
            "members": changes,
            "department": request.department_code,
            "reverted": reverted,
        },
        classification=_higher(old, new),
    )


def may_decide(user: Any, request: ClassificationRequest, obj: Any) -> bool:
    """A raise is decided by the information-security officer; a lowering by the owner."""
    return is_security_officer(user) if request.is_raise else is_owner(user, obj)


def _open_request(request: ClassificationRequest, decided_by: User) -> tuple[ClassificationRequest, Any]:
    locked = ClassificationRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise RequestClosed(locked.status)
    obj = _lock(locked.target())
    if not may_decide(decided_by, locked, obj):
        raise NotAllowed("a raise needs the security officer, a lowering the owner")

    return locked, obj


def approve_classification_request(
    *, request: ClassificationRequest, decided_by: User, note: str = ""
) -> ClassificationRequest:
    """Approve: apply the new tier (or confirm a provisional raise)."""
    with transaction.atomic():
        locked, obj = _open_request(request, decided_by)
        if locked.status == Status.PROVISIONAL:
            now = timezone.now()
            locked.status, locked.decided_by, locked.decided_at, locked.decision_note = (
                Status.APPROVED,
                decided_by,
                now,
                note,
            )
            locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
            _history(locked, Status.APPROVED, decided_by, note)
            _audit(decided_by, "classification.approve", locked, provisional=True)
        else:
            if str(obj.classification) != locked.from_tier:
                raise StaleRequest(obj.classification)
            _apply(locked, obj, actor=decided_by, status=Status.APPROVED, note=note)
            _audit(decided_by, "classification.approve", locked, provisional=False)
        events.record(
            "classification.request_approved",
            subject=f"classification_request/{locked.public_id}",
            data={"object": _subject(obj), "from": locked.from_tier, "to": locked.to_tier},
            classification=_higher(locked.from_tier, locked.to_tier),
        )
    return locked


def reject_classification_request(
    *, request: ClassificationRequest, decided_by: User, note: str = ""
) -> ClassificationRequest:
    """Reject; a provisional raise is undone (each member back to the tier it had)."""
    if not note.strip():
        raise JustificationRequired
    with transaction.atomic():
        locked, obj = _open_request(request, decided_by)
        reverted = locked.status == Status.PROVISIONAL
        if reverted:
            family.restore(locked.applied_changes)
            _record_changed(locked, obj, changes=len(locked.applied_changes), reverted=True)
        now = timezone.now()
        locked.status, locked.decided_by, locked.decided_at, locked.decision_note = (
            Status.REJECTED,
            decided_by,
            now,
            note.strip(),
        )
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        _history(locked, Status.REJECTED, decided_by, note.strip())
        _audit(decided_by, "classification.reject", locked, reverted=reverted)
        events.record(
            "classification.request_rejected",
            subject=f"classification_request/{locked.public_id}",
            data={"object": _subject(obj), "from": locked.from_tier, "to": locked.to_tier, "reverted": reverted},
            classification=_higher(locked.from_tier, locked.to_tier),
        )
    return locked


class GrantBasis(StrEnum):
    """Why a grant is made, which decides who may make it."""

    NAMED = "named"  # the security officer or the owner names a person (the grants panel)
    REVIEW = "review"  # the owning department asks a person outside it to review the object


def may_grant(user: Any, obj: Any) -> bool:
    return is_security_officer(user) or is_owner(user, obj)


def may_grant_for_review(user: Any, obj: Any) -> bool:
    """The owner or a member of the owning department may let a reviewer read, below TOP SECRET.

    A review grant is no wider than any grant (a grant lets a person read, never work: policy.py);
    TOP SECRET names people only through the security officer or the owner.
    """
    if may_grant(user, obj):
        return True
    if not (getattr(user, "is_staff_member", False) and user.is_active) or is_oversight(user):
        return False
    if tier_of(obj) is Classification.TOP_SECRET:
        return False
    return bool(user.departments.filter(code=obj.department_code).exists())


def grant_need_to_know(
    *,
    obj: models.Model,
    user: User,
    granted_by: User,
    reason: str,
    expires_at: datetime,
    basis: GrantBasis = GrantBasis.NAMED,
) -> list[NeedToKnowGrant]:
    """Name `user` for `obj` and its family until `expires_at`; the only place grants are made.

    `basis` NAMED: the security officer or the owner grants. REVIEW: also a member of the owning
    department asking `user` to review `obj` (`may_grant_for_review`). Both are audited alike, with
    the basis.
    """
    allowed = may_grant_for_review if basis is GrantBasis.REVIEW else may_grant
    if not allowed(granted_by, obj):
        raise NotAllowed(f"{granted_by} may not grant need-to-know on the {basis} basis")

    if not user.is_staff_member:
        raise GrantInvalid("need-to-know is granted to staff only")
    if not colleagues().filter(pk=user.pk).exists():  # a service account of an API client, or a closed account
        raise GrantInvalid("need-to-know is granted to people, not to an integration's service account")
    if rank(user.clearance) < rank(obj.classification):  # type: ignore[attr-defined]
        raise GrantInvalid("the person's clearance is below the object's tier")
    if len(reason.strip()) < MIN_JUSTIFICATION:
        raise JustificationRequired
    now = timezone.now()
    if not now < expires_at <= now + timedelta(days=MAX_GRANT_DAYS):
        raise GrantInvalid(f"a grant expires in the future and within {MAX_GRANT_DAYS} days")
    with transaction.atomic():
        grants = [
            NeedToKnowGrant.objects.create(
                content_type=family.content_type_of(member),
                object_public_id=member.public_id,  # type: ignore[attr-defined]
                user=user,
                granted_by=granted_by,
                reason=reason.strip(),
                expires_at=expires_at,
            )
            for member in family.family_of(obj)
            if getattr(member, "public_id", None) is not None
        ]
        tier = str(obj.classification)  # type: ignore[attr-defined]
        events.record(
            "need_to_know.granted",
            subject=_subject(obj),
            data={
                "user": str(user.public_id),
                "expires_at": expires_at.isoformat(),
                "members": len(grants),
                "basis": str(basis),
            },
            classification=tier,
        )
        audit.record(
            actor=actor_label(granted_by),
            action="need_to_know.grant",
            object_type=obj._meta.label_lower,
            object_id=str(obj.public_id),  # type: ignore[attr-defined]
            data={
                "user": str(user.public_id),
                "expires_at": expires_at.isoformat(),
                "reason": reason.strip()[:500],
                "basis": str(basis),
            },
            classification=tier,
        )
    return grants


def revoke_need_to_know(*, obj: models.Model, user: User, revoked_by: User) -> int:
    """End `user`'s active grants on `obj` and its family; returns how many ended."""
    if not may_grant(revoked_by, obj):
        raise NotAllowed("the security officer or the owner revokes need-to-know")

    ids = [m.public_id for m in family.family_of(obj) if getattr(m, "public_id", None) is not None]  # type: ignore[attr-defined]
    with transaction.atomic():
        count = (
            NeedToKnowGrant.objects.active()
            .filter(user=user, object_public_id__in=ids)
            .update(revoked_at=timezone.now(), revoked_by=revoked_by)
        )
        tier = str(obj.classification)  # type: ignore[attr-defined]
        events.record(
            "need_to_know.revoked",
            subject=_subject(obj),
            data={"user": str(user.public_id), "grants": count},
            classification=tier,
        )
        audit.record(
            actor=actor_label(revoked_by),
            action="need_to_know.revoke",
            object_type=obj._meta.label_lower,
            object_id=str(obj.public_id),  # type: ignore[attr-defined]
            data={"user": str(user.public_id), "grants": count},
            classification=tier,
        )
    return count


# --- Key rotation ------------------------------------------------------------------------------


@dataclass
class Rotation:
    tier: str
    kek: str
    rewrapped: int = 0
    checked: int = 0


def _envelope_q(field: "models.Field[Any, Any]") -> Q:
    q = Q(**{f"{field.name}__has_key": crypto.MARK})
    for key in getattr(field, "sealed_keys", ()) if isinstance(field, ClassifiedJSONField) else ():
        q |= Q(**{f"{field.name}__{key}__has_key": crypto.MARK})
    return q


def _rewrapped(value: Any, tier: str) -> Any:
    """The stored value with every envelope of `tier` on an old key re-wrapped; None if nothing changed."""
    if crypto.is_envelope(value):
        return crypto.rewrap(value) if value.get("tier") == tier and crypto.needs_rewrap(value) else None
    if isinstance(value, dict):
        changed = {k: _rewrapped(v, tier) for k, v in value.items() if crypto.is_envelope(v)}
        changed = {k: v for k, v in changed.items() if v is not None}
        return {**value, **changed} if changed else None
    return None


def _encrypted_columns() -> Iterator[tuple[type[models.Model], "models.Field[Any, Any]"]]:
    for model in apps.get_models():
        for field in encrypted_fields(model):
            yield model, field


def rotate_classification_keys(
    *, tiers: list[str] | None = None, dry_run: bool = False, batch: int = 500
) -> list[Rotation]:
    """Re-wrap every data key of `tiers` with the tier's newest KEK. The data is not re-encrypted.

    Each batch of rows is locked while it is re-wrapped, so a concurrent write is never lost.
    """
    results = []
    for tier in tiers or list(crypto.ENCRYPTED_TIERS):
        result = Rotation(tier=tier, kek=crypto.keyring(tier)[0].id)
        for model, field in _encrypted_columns():
            pks = list(model._default_manager.filter(_envelope_q(field)).order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(pks), batch):
                with transaction.atomic():
                    rows = (
                        model._default_manager.select_for_update()
                        .filter(pk__in=pks[start : start + batch])
                        .values_list("pk", field.attname)
                    )
                    for pk, value in rows:
                        result.checked += 1
                        new = _rewrapped(value, tier)
                        if new is not None:
                            result.rewrapped += 1
                            if not dry_run:
                                model._default_manager.filter(pk=pk).update(**{field.attname: new})
        if not dry_run:
            _record_rotation(result)
        results.append(result)
    return results


def _record_rotation(result: Rotation) -> None:
    with transaction.atomic():
        events.record(
            "classification.keys_rotated",
            subject=f"key/{result.tier}",
            data={"tier": result.tier, "kek": result.kek, "rewrapped": result.rewrapped},
            classification=Classification.OFFICIAL,
        )
        audit.record(
            actor="system",
            action="keys.rotate",
            object_type="key",
            object_id=f"{result.tier}/{result.kek}",
            data={"rewrapped": result.rewrapped, "checked": result.checked},
        )
