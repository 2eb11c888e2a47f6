# SPDX-License-Identifier: MPL-2.0
"""POST /api/devices/checkin: the device's own token, the posture, the configured compliance rules."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.core.models import Event
from civicloop.devices.models import Device, hash_token

pytestmark = pytest.mark.django_db

URL = "/api/devices/checkin"


def _posture(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "os": "Windows",
        "os_version": "11 24H2",
        "patch_level": (timezone.localdate() - timedelta(days=10)).isoformat(),
        "disk_encrypted": True,
        "screen_lock": True,
        "jailbroken": False,
        "agent_version": "fake/1",
    }
    body.update(changes)
    return body


def _check_in(token: str | None, body: dict[str, Any]) -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return Client().post(URL, body, content_type="application/json", **headers)


def test_a_compliant_report_makes_a_personal_device_trusted(
    clerk: User, make_device: Callable[..., tuple[Device, str]]
) -> None:
    device, token = make_device(clerk, checked_in=False)
    response = _check_in(token, _posture())
    assert response.status_code == 200
    body = response.json()
    assert body["device"] == str(device.public_id)
    assert body["compliant"] is True and body["reasons"] == [] and body["trust"] == "byod"
    device.refresh_from_db()
    assert device.last_posture["os"] == "Windows" and device.last_check_in_at is not None
    checked = Event.objects.filter(type="jp.lg.civicloop.device.checked_in", subject=f"device/{device.public_id}")
    assert checked.count() == 1 and checked.get().data["compliant"] is True
    changed = Event.objects.get(type="jp.lg.civicloop.device.trust_changed", data__cause="check_in")
    assert changed.data == {"from": "noncompliant", "to": "byod", "cause": "check_in", "kind": "byod"}


def test_the_token_is_stored_only_as_a_hash(clerk: User, make_device: Callable[..., tuple[Device, str]]) -> None:
    device, token = make_device(clerk)
    assert device.token_hash == hash_token(token) and token not in device.token_hash
    assert not Device.objects.filter(token_hash=token).exists()


@pytest.mark.parametrize(
    "header",
    [None, "Bearer ", "Bearer cld_not-a-token", "Basic Y2xlcms6cGFzcw=="],
)
def test_without_the_devices_own_token_nothing_is_stored(
    header: str | None, clerk: User, make_device: Callable[..., tuple[Device, str]]
) -> None:
    device, _token = make_device(clerk, checked_in=False)
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = Client().post(URL, _posture(), content_type="application/json", **headers)
    assert response.status_code == 401
    device.refresh_from_db()
    assert device.last_check_in_at is None


def test_a_revoked_devices_token_stops_working(clerk: User, make_device: Callable[..., tuple[Device, str]]) -> None:
    from civicloop.devices.actions import revoke_device

    device, token = make_device(clerk)
    revoke_device(device=device, by=clerk)
    assert _check_in(token, _posture()).status_code == 401


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"disk_encrypted": False}, "disk_not_encrypted"),
        ({"screen_lock": False}, "no_screen_lock"),
        ({"jailbroken": True}, "jailbroken"),
        ({"patch_level": "2020-01-01"}, "patch_too_old"),
    ],
)
def test_each_rule_makes_a_device_noncompliant(
    changes: dict[str, Any], reason: str, clerk: User, make_device: Callable[..., tuple[Device, str]]
) -> None:
    _device, token = make_device(clerk)
    body = _check_in(token, _posture(**changes)).json()
    assert body["compliant"] is False and body["reasons"] == [reason] and body["trust"] == "noncompliant"
    changed = Event.objects.filter(type="jp.lg.civicloop.device.trust_changed").latest("time")
    assert changed.data["from"] == "byod" and changed.data["to"] == "noncompliant"


def test_the_rules_are_configuration(
    clerk: User, make_device: Callable[..., tuple[Device, str]], settings: Any
) -> None:
    _device, token = make_device(clerk)
    settings.DEVICE_REQUIRE_SCREEN_LOCK = False
    settings.DEVICE_PATCH_MAX_AGE_DAYS = 5
    body = _check_in(token, _posture(screen_lock=False)).json()  # patched ten days ago
    assert body["reasons"] == ["patch_too_old"]


def test_a_managed_device_in_good_shape_is_managed(clerk: User, make_device: Callable[..., tuple[Device, str]]) -> None:
    _device, token = make_device(clerk, Device.Kind.MANAGED)
    assert _check_in(token, _posture()).json()["trust"] == "managed"


@pytest.mark.parametrize(
    "changes",
    [
        {"patch_level": "2999-01-01"},
        {"patch_level": "yesterday"},
        {"disk_encrypted": "maybe"},
        {"os": ""},
        {"agent_version": "x" * 41},
    ],
)
def test_impossible_or_malformed_reports_are_refused_and_store_nothing(
    changes: dict[str, Any], clerk: User, make_device: Callable[..., tuple[Device, str]]
) -> None:
    device, token = make_device(clerk, checked_in=False)
    response = _check_in(token, _posture(**changes))
    assert response.status_code == 422
    device.refresh_from_db()
    assert device.last_check_in_at is None
    assert not Event.objects.filter(type="jp.lg.civicloop.device.checked_in").exists()


def test_a_missing_field_is_refused(clerk: User, make_device: Callable[..., tuple[Device, str]]) -> None:
    _device, token = make_device(clerk, checked_in=False)
    body = _posture()
    del body["jailbroken"]
    assert _check_in(token, body).status_code == 422


def test_the_check_in_is_in_the_api_schema_with_bearer_auth(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"][URL]["post"]
    assert {"DeviceToken": []} in operation["security"]
    assert schema["components"]["securitySchemes"]["DeviceToken"]["scheme"] == "bearer"
