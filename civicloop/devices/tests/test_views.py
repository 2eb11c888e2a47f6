# SPDX-License-Identifier: MPL-2.0
"""/staff/devices/: register this browser's personal device, link a managed one, revoke, administrators."""

import time
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.core.models import AuditEntry, Event
from civicloop.devices.models import Device, hash_token
from civicloop.devices.sessions import SESSION_KEY

pytestmark = pytest.mark.django_db

MakeDevice = Callable[..., tuple[Device, str]]


def test_a_clerk_registers_this_browsers_device_and_sees_the_token_once(
    clerk: User, staff_client: Callable[[User], Client]
) -> None:
    client = staff_client(clerk)
    response = client.post("/staff/devices/register/", {"name": "私物のiPhone", "platform": "ios"})
    # the token is on the page, not cached, and stored only as its hash
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    token = response.context["token"]
    assert token.startswith("cld_") and token in response.content.decode()
    device = Device.objects.get(owner=clerk)
    assert device.kind == Device.Kind.BYOD and device.token_hash == hash_token(token)
    # this browser is now the device: cookie and session agree
    assert response.cookies[settings.DEVICE_COOKIE_NAME]["httponly"]
    assert client.session[SESSION_KEY] == str(device.public_id)
    assert Event.objects.filter(type="jp.lg.civicloop.device.registered", subject=f"device/{device.public_id}").exists()
    assert AuditEntry.objects.filter(action="device.register", object_id=str(device.public_id)).exists()
    # the list shows it, not yet trusted, without the token
    page = client.get("/staff/devices/").content.decode()
    assert "私物のiPhone" in page and token not in page


def test_registering_needs_a_recent_second_factor(clerk: User) -> None:
    client = sign_in_with_mfa(Client(), clerk, at=time.time() - 3600)
    response = client.post("/staff/devices/register/", {"name": "laptop", "platform": "windows"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/account/2fa/reauthenticate/")
    assert not Device.objects.exists()


def test_a_clerk_links_this_browser_to_their_managed_device_with_its_token(
    clerk: User, make_device: MakeDevice, staff_client: Callable[[User], Client]
) -> None:
    device, token = make_device(clerk, Device.Kind.MANAGED)
    client = staff_client(clerk)
    response = client.post("/staff/devices/link/", {"token": f"  {token} "})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(device.public_id)
    assert client.get("/staff/devices/").wsgi_request.device_trust == "managed"  # type: ignore[attr-defined]


def test_someone_elses_token_links_nothing(
    clerk: User, administrator: User, make_device: MakeDevice, staff_client: Callable[[User], Client]
) -> None:
    _device, token = make_device(administrator, Device.Kind.MANAGED)
    client = staff_client(clerk)
    client.post("/staff/devices/link/", {"token": token})
    assert SESSION_KEY not in client.session
    assert settings.DEVICE_COOKIE_NAME not in client.cookies


def test_only_an_administrator_registers_a_managed_device(
    clerk: User, administrator: User, staff_client: Callable[[User], Client]
) -> None:
    assert staff_client(clerk).get("/staff/devices/managed/").status_code == 404
    admin = staff_client(administrator)
    unknown = admin.post("/staff/devices/managed/", {"owner": "nobody", "name": "PC-0042", "platform": "windows"})
    assert unknown.status_code == 400 and not Device.objects.exists()
    response = admin.post("/staff/devices/managed/", {"owner": "clerk", "name": "PC-0042", "platform": "windows"})
    assert response.status_code == 200 and response.context["token"].startswith("cld_")
    device = Device.objects.get()
    assert device.owner == clerk and device.kind == Device.Kind.MANAGED and device.registered_by == administrator
    assert SESSION_KEY not in admin.session  # the administrator's browser is not that device


def test_residents_never_reach_the_device_pages(resident_client: Client) -> None:
    assert resident_client.get("/staff/devices/").status_code == 404
    assert resident_client.post("/staff/devices/register/", {"name": "x", "platform": "ios"}).status_code == 404
    assert resident_client.post("/staff/devices/link/", {"token": "cld_x"}).status_code == 404
    assert not Device.objects.exists()


def test_an_owner_revokes_a_device_but_not_someone_elses(
    clerk: User, administrator: User, make_device: MakeDevice, staff_client: Callable[[User], Client]
) -> None:
    mine, _t1 = make_device(clerk)
    theirs, _t2 = make_device(administrator)
    client = staff_client(clerk)
    assert client.post(f"/staff/devices/{theirs.public_id}/revoke/").status_code == 404
    assert client.post(f"/staff/devices/{mine.public_id}/revoke/").status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.is_revoked and not theirs.is_revoked
    changed = Event.objects.get(type="jp.lg.civicloop.device.trust_changed", data__cause="revoked")
    assert changed.subject == f"device/{mine.public_id}" and changed.data["to"] == "unknown"
