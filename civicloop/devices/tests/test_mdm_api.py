# SPDX-License-Identifier: MPL-2.0
"""/api/devices/mdm/…: the MDM integration, with its own token, approves devices and reports posture."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.classification.policy import DeviceTrust
from civicloop.core.models import AuditEntry, Event
from civicloop.devices.models import Device

pytestmark = pytest.mark.django_db

MakeDevice = Callable[..., tuple[Device, str]]
MDM_TOKEN = "mdm-" + "x" * 40


@pytest.fixture
def mdm(settings: Any) -> str:
    settings.MDM_TOKEN = MDM_TOKEN
    return MDM_TOKEN


def _posture() -> dict[str, Any]:
    return {
        "os": "Windows",
        "os_version": "11 24H2",
        "patch_level": (timezone.localdate() - timedelta(days=5)).isoformat(),
        "disk_encrypted": True,
        "screen_lock": True,
        "jailbroken": False,
        "agent_version": "intune/1",
    }


def _post(path: str, token: str | None, body: dict[str, Any] | None = None) -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return Client().post(f"/api/devices/mdm/{path}", body or {}, content_type="application/json", **headers)


def test_the_mdm_approves_a_device_as_managed_with_its_posture(clerk: User, make_device: MakeDevice, mdm: str) -> None:
    device, _token = make_device(clerk, checked_in=False, approved=False)
    response = _post(f"{device.public_id}/approve", mdm, {"kind": "managed", "posture": _posture()})
    assert response.status_code == 200
    assert response.json() == {
        "device": str(device.public_id),
        "kind": "managed",
        "approval": "approved",
        "trust": "managed",
    }
    device.refresh_from_db()
    assert device.trust() == DeviceTrust.MANAGED and device.decided_via == "mdm" and device.decided_by is None
    assert AuditEntry.objects.get(action="device.approve").actor == "integration/mdm"
    assert Event.objects.get(type="jp.lg.civicloop.device.approved").data["by"] == "integration/mdm"


@pytest.mark.parametrize("configured", [True, False])
def test_without_the_mdm_token_nothing_changes(
    configured: bool, clerk: User, make_device: MakeDevice, settings: Any
) -> None:
    settings.MDM_TOKEN = MDM_TOKEN if configured else ""
    device, device_token = make_device(clerk, approved=False)
    for token in (None, "", MDM_TOKEN[:-1] + "y", device_token, MDM_TOKEN if not configured else "wrong"):
        response = _post(f"{device.public_id}/approve", token, {"kind": "managed"})
        assert response.status_code == 401, token
        assert _post(f"{device.public_id}/posture", token, _posture()).status_code == 401
    device.refresh_from_db()
    assert device.approval == Device.Approval.PENDING and device.kind == Device.Kind.BYOD


def test_the_mdm_token_does_not_work_as_a_device_token(clerk: User, make_device: MakeDevice, mdm: str) -> None:
    make_device(clerk, approved=False)
    response = Client().post(
        "/api/devices/checkin", _posture(), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {mdm}"
    )
    assert response.status_code == 401


def test_a_posture_report_from_the_mdm_changes_neither_approval_nor_kind(
    clerk: User, make_device: MakeDevice, mdm: str
) -> None:
    device, _token = make_device(clerk, checked_in=False, approved=False)
    response = _post(f"{device.public_id}/posture", mdm, _posture())
    assert response.status_code == 200 and response.json()["trust"] == "unknown"
    device.refresh_from_db()
    assert device.compliant and device.approval == Device.Approval.PENDING and device.kind == Device.Kind.BYOD


def test_the_mdm_rejects_a_device_and_does_not_approve_a_rejected_one(
    clerk: User, make_device: MakeDevice, mdm: str
) -> None:
    device, _token = make_device(clerk)
    rejected = _post(f"{device.public_id}/reject", mdm)
    assert rejected.status_code == 200 and rejected.json()["trust"] == "unknown"
    assert _post(f"{device.public_id}/approve", mdm, {"kind": "managed"}).status_code == 409
    device.refresh_from_db()
    assert device.approval == Device.Approval.REJECTED and device.kind == Device.Kind.BYOD


def test_an_impossible_posture_stores_neither_it_nor_the_approval(
    clerk: User, make_device: MakeDevice, mdm: str
) -> None:
    device, _token = make_device(clerk, checked_in=False, approved=False)
    future = {**_posture(), "patch_level": (timezone.localdate() + timedelta(days=30)).isoformat()}
    assert _post(f"{device.public_id}/approve", mdm, {"kind": "managed", "posture": future}).status_code == 422
    device.refresh_from_db()
    assert device.approval == Device.Approval.PENDING and device.last_check_in_at is None


def test_unknown_or_revoked_devices_are_404(clerk: User, make_device: MakeDevice, mdm: str) -> None:
    device, _token = make_device(clerk, approved=False)
    Device.objects.filter(pk=device.pk).update(revoked_at=timezone.now())
    assert _post(f"{device.public_id}/approve", mdm, {"kind": "managed"}).status_code == 404
    assert _post("00000000-0000-0000-0000-000000000000/approve", mdm, {"kind": "managed"}).status_code == 404


def test_the_schema_names_the_mdm_credential(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/devices/mdm/{public_id}/approve"]["post"]
    assert {"MdmToken": []} in operation["security"]
    assert schema["components"]["securitySchemes"]["MdmToken"]["scheme"] == "bearer"
