# SPDX-License-Identifier: MPL-2.0
"""Every read path of meetings and their materials against the one policy and attendance.

Paths: the meeting list (`visible_to` and the page), the meeting page, a material on screen, and
the admin's change page. The calling department sees everything; an attendee sees the meeting and
its materials (not a SECRET one beyond their clearance); a colleague of the attendee who does not
attend, and anyone else, nothing; an oversight role views. An oracle written from those rules in
words decides each row; the writes are checked the same way (only the calling department works).
"""

from collections.abc import Callable

import pytest
from django.http import Http404
from django.test import Client

from civicloop.accounts.models import Role, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring.models import Document
from civicloop.authoring.tests.conftest import MANAGED
from civicloop.classification.policy import Action, NotPermitted
from civicloop.meetings import actions
from civicloop.meetings.access import get_material_for_user
from civicloop.meetings.models import Material, Meeting
from civicloop.meetings.tests.conftest import make_document

pytestmark = pytest.mark.django_db

ORACLE = {
    # who: (meeting: list and page, OFFICIAL material, SECRET material on a managed device, may work)
    "seiso-clerk": (True, True, True, True),
    "somu-clerk": (True, True, False, False),
    "somu-colleague": (False, False, False, False),
    "zeimu-clerk": (False, False, False, False),
    "auditor": (True, True, True, False),
}


def test_every_read_and_write_path_agrees_with_the_rules(
    material: Material, organiser: User, guest: User, make_staff: Callable[..., User]
) -> None:
    # given an OFFICIAL material the 総務課 clerk may read and a SECRET one only the organisers may
    meeting = material.meeting
    User.objects.filter(pk=organiser.pk).update(clearance="SECRET")
    organiser.refresh_from_db()
    secret_document = make_document(organiser, "SECRET 資料", "人事配置案")
    Document.objects.filter(pk=secret_document.pk).update(classification="SECRET")
    secret_document.refresh_from_db()
    secret = actions.share_material(meeting=meeting, document=secret_document, shared_by=organiser, context=MANAGED)
    people = [
        organiser,
        guest,
        make_staff("somu", "somu-colleague"),
        make_staff("zeimu", "zeimu-clerk"),
        make_staff("", "auditor", roles=[Role.AUDITOR], clearance="SECRET"),
    ]
    User.objects.filter(pk__in=[p.pk for p in people]).update(is_staff=True, is_superuser=True)
    paths = {
        "page": (f"/staff/meetings/{meeting.public_id}/", 0),
        "admin": (f"/admin/meetings/meeting/{meeting.pk}/change/", 0),
        "official": (f"/staff/meetings/materials/{material.public_id}/", 1),
    }
    # when each reads each path and tries to work the meeting, then the answer is the oracle's
    wrong = []
    for person in people:
        person.refresh_from_db()
        expected = ORACLE[person.username]
        client = sign_in_with_mfa(Client(), person)
        got = {
            "list": Meeting.objects.visible_to(person, MANAGED).filter(pk=meeting.pk).exists(),
            "list-page": meeting.title in client.get("/staff/meetings/").content.decode(),
            "work-list": Meeting.objects.visible_to(person, MANAGED, action=Action.WORK).filter(pk=meeting.pk).exists(),
        }
        want = {"list": expected[0], "list-page": expected[0], "work-list": expected[3]}
        # The test client is no managed device: SECRET never opens there, on the page or by id.
        got["secret-page"] = client.get(f"/staff/meetings/materials/{secret.public_id}/").status_code == 200
        want["secret-page"] = False
        try:
            get_material_for_user(person, secret.public_id, action=Action.VIEW, context=MANAGED)
            got["secret-managed"] = True
        except Http404:
            got["secret-managed"] = False
        want["secret-managed"] = expected[2]
        for name, (path, column) in paths.items():
            got[name] = client.get(path).status_code == 200
            want[name] = expected[column]
        try:
            actions.add_agenda_item(meeting=meeting, title="議題", added_by=person, context=MANAGED)
            got["work"] = True
        except NotPermitted:
            got["work"] = False
        want["work"] = expected[3]
        wrong += [(person.username, name, got[name]) for name in want if got[name] != want[name]]
    assert wrong == []
