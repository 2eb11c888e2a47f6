# SPDX-License-Identifier: MPL-2.0
"""Device approval: who approves, what an approval changes, the page for approvers, the trust table."""

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.classification.policy import DeviceTrust
from civicloop.core.models import AuditEntry, Event
from civicloop.devices import actions
from civicloop.devices.models import Device
from civicloop.devices.tests.conftest import good_posture

pytestmark = pytest.mark.django_db

MakeDevice = Callable[..., tuple[Device, str]]


@pytest.mark.parametrize(
    ("kind", "approval", "compliant", "expected"),
    [
        (Device.Kind.BYOD, Device.Approval.PENDING, True, DeviceTrust.UNKNOWN),
        (Device.Kind.MANAGED, Device.Approval.PENDING, True, DeviceTrust.UNKNOWN),
        (Device.Kind.BYOD, Device.Approval.REJECTED, True, DeviceTrust.UNKNOWN),
        (Device.Kind.MANAGED, Device.Approval.REJECTED, True, DeviceTrust.UNKNOWN),
        (Device.Kind.BYOD, Device.Approval.APPROVED, False, DeviceTrust.NONCOMPLIANT),
        (Device.Kind.MANAGED, Device.Approval.APPROVED, False, DeviceTrust.NONCOMPLIANT),
        (Device.Kind.BYOD, Device.Approval.APPROVED, True, DeviceTrust.BYOD),
        (Device.Kind.MANAGED, Device.Approval.APPROVED, True, DeviceTrust.MANAGED),
    ],
)
def test_the_trust_table(
    kind: str, approval: str, compliant: bool, expected: DeviceTrust, clerk: User, make_device: MakeDevice
) -> None:
    device, _token = make_device(clerk, kind)
    actions.check_in_device(device=device, posture=good_posture(disk_encrypted=compliant))
    Device.objects.filter(pk=device.pk).update(approval=approval)
    assert Device.objects.get(pk=device.pk).trust() == expected


def test_a_personal_device_waits_for_approval_and_a_managed_one_registered_for_someone_else_does_not(
    clerk: User, administrator: User
) -> None:
    personal, _t1 = actions.register_device(
        owner=clerk, kind=Device.Kind.BYOD, name="phone", platform=Device.Platform.IOS, registered_by=clerk
    )
    managed, _t2 = actions.register_device(
        owner=clerk,
        kind=Device.Kind.MANAGED,
        name="PC-1",
        platform=Device.Platform.WINDOWS,
        registered_by=administrator,
    )
    assert personal.approval == Device.Approval.PENDING and personal.decided_by is None
    assert managed.approval == Device.Approval.APPROVED and managed.decided_by == administrator
    assert AuditEntry.objects.filter(action="device.approve", object_id=str(managed.public_id)).count() == 1


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.SECURITY_OFFICER])
def test_an_approver_approves_and_it_is_recorded(role: str, clerk: User, make_device: MakeDevice) -> None:
    # given a compliant personal device awaiting approval
    device, _token = make_device(clerk, approved=False)
    assert device.trust() == DeviceTrust.UNKNOWN
    approver = User.objects.create(username="approver", kind=User.Kind.STAFF, roles=[role])
    # when an approver approves it
    device = actions.approve_device(device=device, by=approver)
    # then it is worth what it is, and who decided, when and how is kept, in an event and the audit log
    assert device.trust() == DeviceTrust.BYOD
    assert device.decided_by == approver and device.decided_at is not None and device.decided_via == "staff"
    event = Event.objects.get(type="jp.lg.civicloop.device.approved")
    assert event.data == {"kind": "byod", "via": "staff", "by": f"user/{approver.public_id}"}
    changed = Event.objects.get(type="jp.lg.civicloop.device.trust_changed", data__cause="approved")
    assert changed.data["from"] == "unknown" and changed.data["to"] == "byod"
    entry = AuditEntry.objects.get(action="device.approve")
    assert entry.actor == f"user/{approver.public_id}" and entry.object_id == str(device.public_id)


@pytest.mark.parametrize("who", ["clerk", "auditor", "owner_administrator", "django_superuser_without_the_role"])
def test_the_action_refuses_anyone_else(who: str, clerk: User, administrator: User, make_device: MakeDevice) -> None:
    owner = administrator if who == "owner_administrator" else clerk
    device, _token = make_device(owner, approved=False)
    by = {
        "clerk": User.objects.create(username="c2", kind=User.Kind.STAFF),
        "auditor": User.objects.create(username="aud", kind=User.Kind.STAFF, roles=[Role.AUDITOR]),
        "owner_administrator": administrator,
        "django_superuser_without_the_role": User.objects.create(username="su", is_superuser=True, is_staff=True),
    }[who]
    for decide in (actions.approve_device, actions.reject_device):
        with pytest.raises(actions.NotAllowed):
            decide(device=device, by=by)
    device.refresh_from_db()
    assert device.approval == Device.Approval.PENDING and device.trust() == DeviceTrust.UNKNOWN


def test_a_rejected_device_stays_unknown_and_is_not_approved_later(
    clerk: User, administrator: User, make_device: MakeDevice
) -> None:
    device, _token = make_device(clerk)
    assert device.trust() == DeviceTrust.BYOD
    device = actions.reject_device(device=device, by=administrator)  # an approval withdrawn
    actions.check_in_device(device=device, posture=good_posture())
    assert Device.objects.get(pk=device.pk).trust() == DeviceTrust.UNKNOWN
    with pytest.raises(actions.AlreadyRejected):
        actions.approve_device(device=device, by=administrator)
    assert AuditEntry.objects.filter(action="device.reject", object_id=str(device.public_id)).count() == 1


def test_the_worker_leaves_an_unapproved_device_unknown_without_an_event(clerk: User, make_device: MakeDevice) -> None:
    _device, _token = make_device(clerk, approved=False)
    late = timezone.now() + timedelta(hours=48)
    assert actions.mark_overdue_devices(now=late) == 1
    assert not Event.objects.filter(type="jp.lg.civicloop.device.trust_changed", data__cause="check_in_overdue")


def test_the_approval_page_lists_other_peoples_devices_awaiting_approval(
    clerk: User, administrator: User, make_device: MakeDevice
) -> None:
    waiting, _t1 = make_device(clerk, approved=False)
    approved, _t2 = make_device(clerk)
    own, _t3 = make_device(administrator, approved=False)
    page = sign_in_with_mfa(Client(), administrator).get("/staff/devices/approvals/")
    assert page.status_code == 200
    listed = [row["device"] for row in page.context["rows"]]
    assert listed == [waiting] and approved not in listed and own not in listed


def test_approving_and_rejecting_from_the_page(clerk: User, administrator: User, make_device: MakeDevice) -> None:
    first, _t1 = make_device(clerk, approved=False)
    second, _t2 = make_device(clerk, approved=False)
    client = sign_in_with_mfa(Client(), administrator)
    assert client.post(f"/staff/devices/{first.public_id}/approve/").headers["Location"] == "/staff/devices/approvals/"
    assert client.post(f"/staff/devices/{second.public_id}/reject/").status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.approval == Device.Approval.APPROVED and second.approval == Device.Approval.REJECTED


@pytest.mark.parametrize("roles", [[], [Role.AUDITOR]])
def test_other_staff_get_404_on_the_approval_pages(
    roles: list[str], clerk: User, administrator: User, make_device: MakeDevice
) -> None:
    device, _token = make_device(administrator, approved=False)
    clerk.roles = roles
    clerk.save()
    client = sign_in_with_mfa(Client(), clerk)
    assert client.get("/staff/devices/approvals/").status_code == 404
    assert client.post(f"/staff/devices/{device.public_id}/approve/").status_code == 404
    device.refresh_from_db()
    assert device.approval == Device.Approval.PENDING


def test_approving_needs_a_recent_second_factor(clerk: User, administrator: User, make_device: MakeDevice) -> None:
    device, _token = make_device(clerk, approved=False)
    client = sign_in_with_mfa(Client(), administrator, at=time.time() - 3600)
    response = client.post(f"/staff/devices/{device.public_id}/approve/")
    assert response.headers["Location"].startswith("/staff/account/2fa/reauthenticate/")
    device.refresh_from_db()
    assert device.approval == Device.Approval.PENDING


def test_the_owner_sees_that_the_device_awaits_approval(
    clerk: User, make_device: MakeDevice, staff_client: Callable[[User], Client]
) -> None:
    make_device(clerk, approved=False)
    page = staff_client(clerk).get("/staff/devices/").content.decode()
    assert "未承認" in page
