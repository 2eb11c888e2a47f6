# SPDX-License-Identifier: MPL-2.0
"""The device API: posture check-ins by a device's agent, approvals and reports by the MDM.

A device's agent authenticates with its own enrolment token and can report its posture only: it
can neither approve its device nor change its kind. The MDM integration authenticates with its own
token (CIVICLOOP_MDM_TOKEN) and may approve or reject any device and report its posture.
"""

import hmac
from datetime import date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from civicloop.devices import actions
from civicloop.devices.compliance import Posture, Rules
from civicloop.devices.models import Device


class DeviceToken(HttpBearer):
    """`Authorization: Bearer cld_…`: the token shown once when the device was registered."""

    def authenticate(self, request: HttpRequest, token: str) -> Device | None:
        return actions.device_for_token(token)


class MdmToken(HttpBearer):
    """`Authorization: Bearer <CIVICLOOP_MDM_TOKEN>`: the MDM integration. No token configured: always 401."""

    def authenticate(self, request: HttpRequest, token: str) -> actions.MdmIntegration | None:
        expected = settings.MDM_TOKEN
        # compare_digest: the time taken does not tell how much of a guess was right.
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return actions.MDM
        return None


router = Router(auth=DeviceToken())


class PostureIn(Schema):
    os: str = Field(..., min_length=1, max_length=40, description="Operating system, e.g. macOS, Windows, iOS")
    os_version: str = Field(..., min_length=1, max_length=40, description="e.g. 15.1")
    patch_level: date = Field(..., description="Date of the newest security patch installed (YYYY-MM-DD)")
    disk_encrypted: bool
    screen_lock: bool
    jailbroken: bool = Field(..., description="Rooted or jailbroken")
    agent_version: str = Field(..., min_length=1, max_length=40)


class CheckInOut(Schema):
    device: UUID
    compliant: bool
    reasons: list[str] = Field(..., description="Codes of the rules the device breaks (docs/devices.md)")
    trust: str = Field(..., description="unknown, noncompliant, byod or managed")
    approval: str = Field(..., description="pending, approved or rejected: a device is trusted only once approved")
    check_in_again_before: datetime


class MdmApprovalIn(Schema):
    kind: Literal["managed", "byod"] = Field(..., description="What the device is approved as")
    posture: PostureIn | None = Field(None, description="The posture the MDM knows, stored as a check-in")


class DeviceStateOut(Schema):
    device: UUID
    kind: str
    approval: str = Field(..., description="pending, approved or rejected")
    trust: str = Field(..., description="unknown, noncompliant, byod or managed")


class ErrorOut(Schema):
    """An error answer (core.api_errors): `code` for programs, `message` in the request's language."""

    code: str = ""
    message: str = ""
    detail: str


def posture_from(payload: PostureIn) -> Posture:
    return Posture(**payload.dict())


def check_in_result(device: Device) -> dict[str, Any]:
    assert device.last_check_in_at is not None
    hours = Rules.from_settings().check_in_max_age_hours
    return {
        "device": device.public_id,
        "compliant": device.compliant,
        "reasons": device.current_reasons(),
        "trust": device.trust().value,
        "approval": device.approval,
        "check_in_again_before": device.last_check_in_at + timedelta(hours=hours),
    }


@router.post(
    "/checkin",
    response={200: CheckInOut, 401: ErrorOut, 422: ErrorOut},
    summary="Report a device's posture",
    description="The device's agent reports its posture; the compliance rules in force decide whether "
    "the device is trusted until its next report.",
)
def checkin(request: HttpRequest, payload: PostureIn) -> Status[dict[str, Any]]:
    device: Device = request.auth  # type: ignore[attr-defined]
    try:
        device = actions.check_in_device(device=device, posture=posture_from(payload))
    except actions.InvalidPosture as exc:
        return Status(422, {"detail": str(exc)})
    except actions.NotAllowed:
        return Status(401, {"detail": "Unauthorized"})
    return Status(200, check_in_result(device))


def _state(device: Device) -> dict[str, Any]:
    return {"device": device.public_id, "kind": device.kind, "approval": device.approval, "trust": device.trust().value}


def _active_device(public_id: UUID) -> Device | None:
    return Device.objects.active().select_related("owner").filter(public_id=public_id).first()


MDM_RESPONSES = {200: DeviceStateOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post(
    "/mdm/{public_id}/approve",
    auth=MdmToken(),
    response=MDM_RESPONSES,
    summary="MDM: approve a device",
    description="The MDM integration approves a device it manages, as `managed` or `byod`, and may report "
    "its posture in the same call. A rejected device is not approved (409).",
)
def mdm_approve(request: HttpRequest, public_id: UUID, payload: MdmApprovalIn) -> Status[dict[str, Any]]:
    device = _active_device(public_id)
    if device is None:
        return Status(404, {"detail": "Not Found"})
    try:
        with transaction.atomic():  # the approval and the posture are stored together or not at all
            device = actions.approve_device(device=device, by=actions.MDM, kind=payload.kind)
            if payload.posture is not None:
                device = actions.check_in_device(device=device, posture=posture_from(payload.posture))
    except actions.InvalidPosture as exc:
        return Status(422, {"detail": str(exc)})
    except actions.AlreadyRejected as exc:
        return Status(409, {"detail": str(exc)})
    except actions.NotAllowed:  # revoked meanwhile
        return Status(404, {"detail": "Not Found"})
    return Status(200, _state(device))


@router.post(
    "/mdm/{public_id}/reject",
    auth=MdmToken(),
    response=MDM_RESPONSES,
    summary="MDM: reject a device",
    description="The MDM integration rejects a device, or withdraws its approval (a device that left "
    "management). It is worth `unknown` from then on.",
)
def mdm_reject(request: HttpRequest, public_id: UUID) -> Status[dict[str, Any]]:
    device = _active_device(public_id)
    if device is None:
        return Status(404, {"detail": "Not Found"})
    try:
        device = actions.reject_device(device=device, by=actions.MDM)
    except actions.NotAllowed:  # revoked meanwhile
        return Status(404, {"detail": "Not Found"})
    return Status(200, _state(device))


@router.post(
    "/mdm/{public_id}/posture",
    auth=MdmToken(),
    response=MDM_RESPONSES,
    summary="MDM: report a device's posture",
    description="The MDM integration reports a device's posture, as its agent would. It changes neither "
    "the device's approval nor its kind.",
)
def mdm_posture(request: HttpRequest, public_id: UUID, payload: PostureIn) -> Status[dict[str, Any]]:
    device = _active_device(public_id)
    if device is None:
        return Status(404, {"detail": "Not Found"})
    try:
        device = actions.check_in_device(device=device, posture=posture_from(payload))
    except actions.InvalidPosture as exc:
        return Status(422, {"detail": str(exc)})
    except actions.NotAllowed:  # revoked meanwhile
        return Status(404, {"detail": "Not Found"})
    return Status(200, _state(device))
