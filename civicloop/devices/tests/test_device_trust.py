# SPDX-License-Identifier: MPL-2.0
"""DeviceTrustMiddleware: what each request's device is worth, and sessions bound to their device."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.accounts.testing import give_totp
from civicloop.accounts.tests.helpers import totp_code
from civicloop.classification.policy import DeviceTrust, context_from_request
from civicloop.core.models import AuditEntry
from civicloop.devices.actions import check_in_device, revoke_device
from civicloop.devices.models import Device
from civicloop.devices.sessions import SESSION_KEY
from civicloop.devices.tests.conftest import good_posture
from civicloop.devices.tests.helpers import bind, give_device_cookie

pytestmark = pytest.mark.django_db

MakeDevice = Callable[..., tuple[Device, str]]
PAGE = "/staff/devices/"


def _trust(client: Client, path: str = PAGE) -> DeviceTrust:
    request = client.get(path).wsgi_request
    assert context_from_request(request).device_trust == request.device_trust  # type: ignore[attr-defined]
    return request.device_trust  # type: ignore[attr-defined]


def test_a_session_bound_to_no_device_is_unknown(clerk: User, staff_client: Callable[[User], Client]) -> None:
    assert _trust(staff_client(clerk)) == DeviceTrust.UNKNOWN


def test_residents_and_guests_are_unknown(resident_client: Client, client: Client) -> None:
    assert _trust(resident_client, reverse("applications:application-list")) == DeviceTrust.UNKNOWN
    assert _trust(client, "/") == DeviceTrust.UNKNOWN


@pytest.mark.parametrize(
    ("kind", "expected"), [(Device.Kind.BYOD, DeviceTrust.BYOD), (Device.Kind.MANAGED, DeviceTrust.MANAGED)]
)
def test_a_compliant_device_is_worth_its_kind(
    kind: str, expected: DeviceTrust, clerk: User, make_device: MakeDevice, staff_client: Callable[[User], Client]
) -> None:
    device, _token = make_device(clerk, kind)
    assert _trust(bind(staff_client(clerk), device)) == expected


def test_a_device_that_fails_a_rule_is_noncompliant(
    clerk: User, make_device: MakeDevice, staff_client: Callable[[User], Client]
) -> None:
    device, _token = make_device(clerk, Device.Kind.MANAGED)
    check_in_device(device=device, posture=good_posture(disk_encrypted=False))
    assert _trust(bind(staff_client(clerk), device)) == DeviceTrust.NONCOMPLIANT


def test_a_device_that_stopped_reporting_is_noncompliant(
    clerk: User, make_device: MakeDevice, staff_client: Callable[[User], Client]
) -> None:
    device, _token = make_device(clerk, Device.Kind.MANAGED)
    Device.objects.filter(pk=device.pk).update(
        last_check_in_at=timezone.now() - timedelta(hours=settings.DEVICE_CHECKIN_MAX_AGE_HOURS + 1)
    )
    assert _trust(bind(staff_client(clerk), device)) == DeviceTrust.NONCOMPLIANT


def test_a_revoked_device_is_unknown(
    clerk: User, make_device: MakeDevice, staff_client: Callable[[User], Client]
) -> None:
    device, _token = make_device(clerk, Device.Kind.MANAGED)
    client = bind(staff_client(clerk), device)
    revoke_device(device=device, by=clerk)
    assert _trust(client) == DeviceTrust.UNKNOWN


def test_signing_in_on_a_registered_device_binds_the_session_to_it(clerk: User, make_device: MakeDevice) -> None:
    # given a browser that carries the cookie of the clerk's managed device
    clerk.set_password("a-long-staff-password-for-tests")
    clerk.save()
    secret = give_totp(clerk)
    device, _token = make_device(clerk, Device.Kind.MANAGED)
    client = Client()
    give_device_cookie(client, device)
    # when the clerk signs in there with the password and the code
    client.post(reverse("cases:staff-login"), {"login": "clerk", "password": "a-long-staff-password-for-tests"})
    client.post("/staff/account/2fa/authenticate/", {"code": totp_code(secret)})
    # then the session is bound to the device, and requests carry its trust
    assert client.session[SESSION_KEY] == str(device.public_id)
    assert _trust(client) == DeviceTrust.MANAGED


def test_another_users_device_cookie_binds_nothing(clerk: User, make_device: MakeDevice, administrator: User) -> None:
    clerk.set_password("a-long-staff-password-for-tests")
    clerk.save()
    secret = give_totp(clerk)
    someone_elses, _token = make_device(administrator, Device.Kind.MANAGED)
    client = Client()
    give_device_cookie(client, someone_elses)
    client.post(reverse("cases:staff-login"), {"login": "clerk", "password": "a-long-staff-password-for-tests"})
    client.post("/staff/account/2fa/authenticate/", {"code": totp_code(secret)})
    assert SESSION_KEY not in client.session
    assert _trust(client) == DeviceTrust.UNKNOWN


def test_a_bound_session_replayed_without_the_device_cookie_is_ended(
    clerk: User, make_device: MakeDevice, staff_client: Callable[[User], Client]
) -> None:
    # given a session bound to the clerk's managed device
    device, _token = make_device(clerk, Device.Kind.MANAGED)
    original = bind(staff_client(clerk), device)
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = original.cookies[settings.SESSION_COOKIE_NAME].value
    # when the session cookie alone is replayed from another machine
    response = stolen.get(reverse("cases:case-list"))
    # then the session is ended, for the thief and on the device alike, and the audit log says why
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("cases:staff-login"))
    assert original.get(reverse("cases:case-list")).status_code == 302
    entry = AuditEntry.objects.get(action="session.ended")
    assert entry.object_id == str(device.public_id) and entry.data == {"reason": "device_mismatch"}


def test_a_bound_session_with_another_devices_cookie_is_ended(
    clerk: User, make_device: MakeDevice, staff_client: Callable[[User], Client]
) -> None:
    laptop, _t1 = make_device(clerk, Device.Kind.MANAGED)
    phone, _t2 = make_device(clerk, Device.Kind.BYOD)
    client = bind(staff_client(clerk), laptop)
    give_device_cookie(client, phone)
    assert client.get(reverse("cases:case-list")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_tampered_device_cookie_ends_a_bound_session(
    clerk: User, make_device: MakeDevice, staff_client: Callable[[User], Client]
) -> None:
    device, _token = make_device(clerk, Device.Kind.MANAGED)
    client = bind(staff_client(clerk), device)
    client.cookies[settings.DEVICE_COOKIE_NAME] = f"{device.public_id}:forged"
    assert client.get(reverse("cases:case-list")).status_code == 302
