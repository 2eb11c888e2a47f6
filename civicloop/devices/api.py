# SPDX-License-Identifier: MPL-2.0
"""The posture check-in API. A device's agent authenticates with its own enrolment token."""

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

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
    check_in_again_before: datetime


class ErrorOut(Schema):
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
