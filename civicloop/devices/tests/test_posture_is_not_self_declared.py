# SPDX-License-Identifier: MPL-2.0
"""The probe of issue 10, end to end: a device its owner registers and reports on is not trusted by that alone.

A cleared clerk registered a personal device, reported a compliant posture with the token the page
showed, and opened a SECRET case. Now the device counts only once someone else approves it.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.applications import actions as application_actions
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.classification import family
from civicloop.classification.policy import DeviceTrust
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.core.models import Classification
from civicloop.devices.models import Device

pytestmark = pytest.mark.django_db

COMPLIANT = {
    "os": "macOS",
    "os_version": "15.1",
    "disk_encrypted": True,
    "screen_lock": True,
    "jailbroken": False,
    "agent_version": "self-made/1",
}


@pytest.fixture
def cases(resident: User, sodai_gomi: Procedure) -> dict[str, Case]:
    """One case of 清掃リサイクル課 at each tier."""
    made = {}
    for tier in Classification.values:
        application, _created = application_actions.submit_from_api(
            user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key=f"tier-{tier}"
        )
        case = Case.objects.get(application=application)
        with transaction.atomic():
            family.relabel_family(case, new=tier)
        made[tier] = case
    return made


def _opens(client: Client, cases: dict[str, Case]) -> set[str]:
    return {
        tier
        for tier, case in cases.items()
        if client.get(reverse("cases:case-detail", args=[case.public_id])).status_code == 200
    }


def _check_in(token: str, **extra: Any) -> dict[str, Any]:
    body = {**COMPLIANT, "patch_level": (timezone.localdate() - timedelta(days=2)).isoformat(), **extra}
    response = Client().post(
        "/api/devices/checkin", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    return dict(response.json())


def test_a_self_registered_compliant_device_opens_official_only_until_approved(
    clerk: User,
    administrator: User,
    cases: dict[str, Case],
    staff_client: Callable[[User], Client],
) -> None:
    # given a clerk cleared for everything, in the department of the cases
    clerk.clearance = Classification.TOP_SECRET
    clerk.save(update_fields=["clearance"])
    client = staff_client(clerk)
    # when they register this browser as their personal device and report a compliant posture
    token = client.post("/staff/devices/register/", {"name": "私物PC", "platform": "macos"}).context["token"]
    report = _check_in(token)
    # then the device is not trusted, and only OFFICIAL cases open
    assert report["trust"] == "unknown" and report["approval"] == "pending"
    assert _opens(client, cases) == {"OFFICIAL"}
    # when an administrator approves it, it is worth what a personal device is worth: SECRET, never TOP SECRET
    device = Device.objects.get(owner=clerk)
    approved = staff_client(administrator).post(f"/staff/devices/{device.public_id}/approve/")
    assert approved.status_code == 302
    assert client.get("/staff/devices/").wsgi_request.device_trust == DeviceTrust.BYOD  # type: ignore[attr-defined]
    assert _opens(client, cases) == {"OFFICIAL", "SECRET"}


def test_a_self_registered_device_cannot_claim_to_be_managed(
    clerk: User, cases: dict[str, Case], staff_client: Callable[[User], Client]
) -> None:
    clerk.clearance = Classification.TOP_SECRET
    clerk.save(update_fields=["clearance"])
    client = staff_client(clerk)
    # the registration form and the check-in both claim "managed" and "approved"
    token = client.post(
        "/staff/devices/register/", {"name": "PC", "platform": "windows", "kind": "managed", "approval": "approved"}
    ).context["token"]
    report = _check_in(token, kind="managed", approval="approved", trust="managed")
    device = Device.objects.get(owner=clerk)
    assert device.kind == Device.Kind.BYOD and device.approval == Device.Approval.PENDING
    assert report["trust"] == "unknown"
    assert _opens(client, cases) == {"OFFICIAL"}


def test_an_administrators_own_managed_device_waits_for_another_approver(
    clerk: User,
    security_officer: User,
    cases: dict[str, Case],
    staff_client: Callable[[User], Client],
) -> None:
    # given an administrator in the department, cleared for TOP SECRET, who registers a managed
    # device for themselves, links this browser to it and reports a compliant posture
    clerk.clearance = Classification.TOP_SECRET
    clerk.roles = [Role.ADMINISTRATOR]
    clerk.save(update_fields=["clearance", "roles"])
    client = staff_client(clerk)
    form = {"owner": "clerk", "name": "PC-0001", "platform": "windows"}
    token = client.post("/staff/devices/managed/", form).context["token"]
    client.post("/staff/devices/link/", {"token": token})
    assert _check_in(token)["trust"] == "unknown"
    # then it opens OFFICIAL only, and its owner cannot approve it
    assert client.get("/staff/devices/").wsgi_request.device_trust == DeviceTrust.UNKNOWN  # type: ignore[attr-defined]
    assert _opens(client, cases) == {"OFFICIAL"}
    device = Device.objects.get(owner=clerk)
    assert client.post(f"/staff/devices/{device.public_id}/approve/").status_code == 404
    assert _opens(client, cases) == {"OFFICIAL"}
    # until the information-security officer approves it: then it is a managed device (TOP SECRET
    # itself opens to named people only, whatever the device)
    staff_client(security_officer).post(f"/staff/devices/{device.public_id}/approve/")
    assert client.get("/staff/devices/").wsgi_request.device_trust == DeviceTrust.MANAGED  # type: ignore[attr-defined]
    assert _opens(client, cases) == {"OFFICIAL", "SECRET"}
