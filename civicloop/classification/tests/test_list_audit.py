# SPDX-License-Identifier: MPL-2.0
"""Lists audit what their detail would: every SECRET row a list reveals is on the audit chain.

A detail page asks `decide`, which writes an `access.<action>` entry for SECRET and above; a list
that showed the same row without an entry would be a quieter way to read it (issue 10). Each list
here is opened by someone allowed to see the SECRET file of the world, on a device that reaches
SECRET, and must leave one entry per SECRET row and none for OFFICIAL rows (which the detail does
not audit either).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from civicloop.accounts.models import User
from civicloop.classification.tests.conftest import DEVICE_HEADER, CaseFile, World, staff_client
from civicloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class ListPath:
    url: str
    action: str
    row: Callable[[CaseFile], Any]  # the object of the file the list shows
    as_owner: bool = False  # the resident's own list (notices); otherwise a SECRET-cleared clerk's


LISTS = [
    ListPath("/api/applications", "api", lambda f: f.application),
    ListPath("/applications/", "view", lambda f: f.application),
    ListPath("/inquiries/", "view", lambda f: f.inquiry),
    ListPath("/notifications/", "view", lambda f: f.notice, as_owner=True),
    ListPath("/staff/dashboards/cases/", "view", lambda f: f.case),
    ListPath("/admin/intelligence/inquiry/", "view", lambda f: f.inquiry),
    ListPath("/admin/notifications/message/", "view", lambda f: f.notice),
]


def _listed_entries(obj: Any, action: str) -> int:
    return AuditEntry.objects.filter(
        action=f"access.{action}", object_id=str(obj.public_id), data__reason="listed", data__allowed=True
    ).count()


@pytest.mark.parametrize("path", LISTS, ids=[p.url for p in LISTS])
def test_a_list_audits_each_secret_row_it_shows_as_its_detail_would(
    path: ListPath, world: World, make_staff: Callable[..., User], device_header: str
) -> None:
    # given someone who may see the SECRET file, on a personal device (which reaches SECRET)
    if path.as_owner:
        viewer = world.owner
    else:
        viewer = make_staff(departments=("seiso",), clearance="SECRET")
        User.objects.filter(pk=viewer.pk).update(is_staff=True, is_superuser=True)
        viewer.refresh_from_db()
    client = staff_client(viewer)
    secret, official = path.row(world.files["SECRET"]), path.row(world.files["OFFICIAL"])
    # when they open the list
    response = client.get(path.url, **{DEVICE_HEADER: "byod"})
    # then the SECRET row is shown and audited once; the OFFICIAL row is shown and not audited
    assert response.status_code == 200
    body = response.content.decode()
    assert _shown(secret, body) and _shown(official, body)
    assert _listed_entries(secret, path.action) == 1
    assert _listed_entries(official, path.action) == 0


def test_a_list_names_the_device_and_the_viewer_in_its_entries(
    world: World, make_staff: Callable[..., User], device_header: str
) -> None:
    clerk = make_staff(departments=("seiso",), clearance="SECRET")
    staff_client(clerk).get("/api/applications", **{DEVICE_HEADER: "byod"})
    entry = AuditEntry.objects.get(action="access.api", object_id=str(world.files["SECRET"].application.public_id))
    assert entry.actor == f"user/{clerk.public_id}"
    assert entry.data["device"] == "byod" and entry.classification == "SECRET"


def _shown(obj: Any, body: str) -> bool:
    """Whether the page names the object (receipt number, reference number or public id)."""
    names = [str(obj.public_id)]
    for attribute in ("receipt_number", "reference_number"):
        if getattr(obj, attribute, None):
            names.append(str(getattr(obj, attribute)))
    if hasattr(obj, "application"):
        names.append(str(obj.application.receipt_number))
    if hasattr(obj, "subject") and obj.subject:
        names.append(obj.subject.split("/", 1)[-1])
    return any(name in body for name in names)
