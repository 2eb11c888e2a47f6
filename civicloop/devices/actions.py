# SPDX-License-Identifier: MPL-2.0
"""Writes to the device registry. Each records its event (and audit entry) in its transaction."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.classification.policy import DeviceTrust
from civicloop.core import audit, events
from civicloop.devices.compliance import Posture, Reason, Rules, posture_reasons
from civicloop.devices.models import TOKEN_PREFIX, Device, hash_token


class NotAllowed(Exception):
    """The person may not do this to this device (the edge answers 404)."""


class InvalidPosture(ValueError):
    """The report cannot be true (a patch level in the future); nothing is stored."""


class AlreadyRejected(Exception):
    """The device was rejected; it is not approved later (the owner registers it again)."""


@dataclass(frozen=True)
class MdmIntegration:
    """The MDM integration as an approver: authenticated by its own token (CIVICLOOP_MDM_TOKEN, api.py)."""

    actor: str = "integration/mdm"


MDM = MdmIntegration()
Approver = User | MdmIntegration

# Who vouches for a device besides the MDM (docs/devices.md, "Approval"): the system administrator,
# who registers managed devices, and the information-security officer (情報セキュリティ責任者),
# who answers for device posture. Nobody approves their own device.
APPROVER_ROLES = (Role.ADMINISTRATOR, Role.SECURITY_OFFICER)


def is_device_approver(user: object) -> bool:
    """May `user` approve or reject other people's devices?"""
    return isinstance(user, User) and user.is_back_office and any(user.has_role(r) for r in APPROVER_ROLES)


def _subject(device: Device) -> str:
    return f"device/{device.public_id}"


def _trust_changed(device: Device, before: DeviceTrust, after: DeviceTrust, *, cause: str) -> None:
    if before != after:
        events.record(
            "device.trust_changed",
            subject=_subject(device),
            data={"from": before.value, "to": after.value, "cause": cause, "kind": device.kind},
        )


def register_device(*, owner: User, kind: str, name: str, platform: str, registered_by: User) -> tuple[Device, str]:
    """Register a device and return it with its enrolment token, which exists only in this return value.

    Staff register their own personal devices (BYOD); only an administrator registers a managed
    device, for any member of staff. A personal device awaits approval (approve_device); a managed
    device an administrator registers for someone else is approved by that registration. Neither is
    trusted until its agent first checks in.
    """
    if not owner.is_back_office:
        raise NotAllowed("only staff have devices")
    if kind == Device.Kind.MANAGED and not registered_by.has_role(Role.ADMINISTRATOR):
        raise NotAllowed("managed devices are registered by an administrator")
    if kind == Device.Kind.BYOD and registered_by.pk != owner.pk:
        raise NotAllowed("a personal device is registered by its owner")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        device = Device.objects.create(
            owner=owner,
            kind=kind,
            name=name.strip()[:100],
            platform=platform,
            registered_by=registered_by,
            token_hash=hash_token(token),
        )
        events.record(
            "device.registered",
            subject=_subject(device),
            data={"kind": kind, "platform": platform, "owner": f"user/{owner.public_id}"},
        )
        audit.record(
            actor=f"user/{registered_by.public_id}",
            action="device.register",
            object_type="device",
            object_id=str(device.public_id),
            data={"kind": kind, "owner": str(owner.public_id)},
        )
        if kind == Device.Kind.MANAGED and registered_by.pk != owner.pk:
            device = _decide(device, by=registered_by, approval=Device.Approval.APPROVED, kind=kind)
    return device, token


def approve_device(*, device: Device, by: Approver, kind: str | None = None) -> Device:
    """Approve a device as `kind` (default: the kind it was registered as); only then is it trusted.

    `by` is an administrator or the information-security officer who does not own the device, or
    the MDM integration (MDM). Approving an approved device again changes only its kind; a
    rejected device stays rejected (AlreadyRejected).
    """
    kind = kind or device.kind
    if kind not in Device.Kind.values:
        raise ValueError(f"unknown device kind {kind!r}")
    _check_approver(device, by)
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.is_revoked:
            raise NotAllowed("the device was revoked")
        if device.approval == Device.Approval.REJECTED:
            raise AlreadyRejected("the device was rejected")
        if device.is_approved and device.kind == kind:
            return device
        return _decide(device, by=by, approval=Device.Approval.APPROVED, kind=kind)


def reject_device(*, device: Device, by: Approver) -> Device:
    """Reject a device awaiting approval, or withdraw an approval: it is worth UNKNOWN from now on."""
    _check_approver(device, by)
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.is_revoked:
            raise NotAllowed("the device was revoked")
        if device.approval == Device.Approval.REJECTED:
            return device
        return _decide(device, by=by, approval=Device.Approval.REJECTED, kind=device.kind)


def _check_approver(device: Device, by: Approver) -> None:
    if isinstance(by, MdmIntegration):
        return
    if not is_device_approver(by):
        raise NotAllowed("only an administrator or the information-security officer decides on devices")
    if by.pk == device.owner_id:
        raise NotAllowed("nobody approves or rejects their own device")


def _decide(device: Device, *, by: Approver, approval: str, kind: str) -> Device:
    """Record a decision on a device locked (or just created) in the caller's transaction."""
    before = device.trust()
    previous_kind = device.kind
    device.approval = approval
    device.kind = kind
    device.decided_at = timezone.now()
    device.decided_by = by if isinstance(by, User) else None
    device.decided_via = Device.DecidedVia.MDM if isinstance(by, MdmIntegration) else Device.DecidedVia.STAFF
    device.save(update_fields=["approval", "kind", "decided_at", "decided_by", "decided_via"])
    verb = "approved" if approval == Device.Approval.APPROVED else "rejected"
    actor = by.actor if isinstance(by, MdmIntegration) else f"user/{by.public_id}"
    events.record(
        f"device.{verb}",
        subject=_subject(device),
        data={"kind": kind, "via": device.decided_via, "by": actor},
    )
    audit.record(
        actor=actor,
        action="device.approve" if verb == "approved" else "device.reject",
        object_type="device",
        object_id=str(device.public_id),
        data={"kind": kind, "previous_kind": previous_kind, "owner": str(device.owner.public_id)},
    )
    _trust_changed(device, before, device.trust(), cause=verb)
    return device


def device_for_token(token: str) -> Device | None:
    """The active device whose enrolment token this is, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    return Device.objects.active().select_related("owner").filter(token_hash=hash_token(token)).first()


def check_in_device(*, device: Device, posture: Posture, now: datetime | None = None) -> Device:
    """Store a posture report and the compliance it earns; record the change of trust if any."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if (posture.patch_level - today).days > 1:  # a day of leeway for time zones
        raise InvalidPosture("patch_level is in the future")
    rules = Rules.from_settings()
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.is_revoked:
            raise NotAllowed("the device was revoked")
        before = device.trust(now, rules)
        reasons = posture_reasons(posture, today=today, rules=rules)
        device.last_posture = posture.as_json()
        device.last_check_in_at = now
        device.compliant = not reasons
        device.reasons = [r.value for r in reasons]
        device.save(update_fields=["last_posture", "last_check_in_at", "compliant", "reasons"])
        events.record(
            "device.checked_in",
            subject=_subject(device),
            data={
                "compliant": device.compliant,
                "reasons": device.reasons,
                "os": posture.os[:40],
                "agent_version": posture.agent_version[:40],
            },
        )
        _trust_changed(device, before, device.trust(now, rules), cause="check_in")
    return device


def revoke_device(*, device: Device, by: User) -> Device:
    """Withdraw a device: its token stops working and sessions on it lose its trust at once."""
    if by.pk != device.owner_id and not by.has_role(Role.ADMINISTRATOR):
        raise NotAllowed("only the owner or an administrator revokes a device")
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.is_revoked:
            return device
        before = device.trust()
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
        _trust_changed(device, before, DeviceTrust.UNKNOWN, cause="revoked")
        audit.record(
            actor=f"user/{by.public_id}",
            action="device.revoke",
            object_type="device",
            object_id=str(device.public_id),
        )
    return device


def mark_overdue_devices(*, now: datetime | None = None) -> int:
    """Mark compliant devices that stopped checking in as non-compliant; returns how many.

    Trust is already computed from the clock on every request; this makes the stored flag, the
    pages and the event stream agree with it.
    """
    now = now or timezone.now()
    rules = Rules.from_settings()
    cutoff = now - timedelta(hours=rules.check_in_max_age_hours)
    changed = 0
    for pk in Device.objects.active().filter(compliant=True, last_check_in_at__lt=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            device = Device.objects.select_for_update().get(pk=pk)
            if not device.compliant:
                continue
            # What the stored flag made the device worth; an unapproved device was UNKNOWN and stays so.
            before = device.trust(device.last_check_in_at, rules)
            device.compliant = False
            device.reasons = [Reason.CHECK_IN_OVERDUE.value]
            device.save(update_fields=["compliant", "reasons"])
            _trust_changed(device, before, device.trust(now, rules), cause="check_in_overdue")
            changed += 1
    return changed
