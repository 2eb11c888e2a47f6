# SPDX-License-Identifier: MPL-2.0
"""The meeting actions: who may call and work a meeting, materials and their viewings, minutes signed off."""

from collections.abc import Callable
from datetime import datetime

import pytest

from civicloop.accounts.models import Department, User
from civicloop.authoring import actions as authoring
from civicloop.authoring.models import Document
from civicloop.authoring.tests.conftest import MANAGED, write
from civicloop.classification.policy import NotPermitted
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import AuditEntry, Event
from civicloop.meetings import actions, errors
from civicloop.meetings.models import Material, MaterialView, Meeting
from civicloop.meetings.tests.conftest import TOKYO, make_document

pytestmark = pytest.mark.django_db


def test_only_a_member_of_the_calling_department_calls_a_meeting(outsider: User) -> None:
    with pytest.raises(NotPermitted):
        actions.schedule_meeting(
            title="他課の会議",
            starts_at=datetime(2026, 12, 10, 14, 0, tzinfo=TOKYO),
            place="第1会議室",
            department=Department.objects.get(code="seiso"),
            created_by=outsider,
            context=MANAGED,
        )
    assert not Meeting.objects.exists()


def test_an_attendee_must_be_cleared_for_the_tier_and_is_listed_once(
    meeting: Meeting, organiser: User, guest: User
) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(classification="SECRET")
    meeting.refresh_from_db()
    secret_organiser = organiser
    User.objects.filter(pk=secret_organiser.pk).update(clearance="SECRET")
    secret_organiser.refresh_from_db()

    with pytest.raises(errors.AttendeeNotCleared):
        actions.add_attendee(meeting=meeting, person=guest, added_by=secret_organiser, context=MANAGED)

    User.objects.filter(pk=guest.pk).update(clearance="SECRET")
    guest.refresh_from_db()
    attendee = actions.add_attendee(meeting=meeting, person=guest, added_by=secret_organiser, context=MANAGED)
    assert attendee.department.code == "somu" and attendee.classification == "SECRET"
    with pytest.raises(errors.AlreadyAttending):
        actions.add_attendee(meeting=meeting, person=guest, added_by=secret_organiser, context=MANAGED)


def test_an_attendee_cannot_work_the_meeting(material: Material, guest: User) -> None:
    with pytest.raises(NotPermitted):
        actions.add_agenda_item(meeting=material.meeting, title="追加議題", added_by=guest, context=MANAGED)


def test_agenda_items_are_numbered_in_order(meeting: Meeting, organiser: User) -> None:
    first = actions.add_agenda_item(meeting=meeting, title="現状報告", added_by=organiser, context=MANAGED)
    second = actions.add_agenda_item(
        meeting=meeting,
        title="見直し案",
        presenter="清掃課長",
        duration_minutes=30,
        added_by=organiser,
        context=MANAGED,
    )
    assert (first.position, second.position) == (1, 2) and second.classification == meeting.classification


def test_top_secret_and_unopenable_documents_are_never_shared(
    meeting: Meeting, organiser: User, make_staff: Callable[..., User]
) -> None:
    other = make_staff("kosodate_kyufu", "kosodate-clerk")
    theirs = make_document(other, "子育て給付課の資料", "内部資料", department="kosodate_kyufu")
    with pytest.raises(errors.DocumentNotVisible):
        actions.share_material(meeting=meeting, document=theirs, shared_by=organiser, context=MANAGED)

    mine = make_document(organiser, "極秘資料")
    Document.objects.filter(pk=mine.pk).update(classification="TOP_SECRET")
    mine.refresh_from_db()
    with pytest.raises(errors.MaterialTooSensitive):
        actions.share_material(meeting=meeting, document=mine, shared_by=organiser, context=MANAGED)
    assert not Material.objects.exists()


def test_each_viewing_is_recorded_with_the_pages_it_would_have_printed(
    material: Material, guest: User, organiser: User
) -> None:
    # given a report of 2,000 characters (two A4 pages of 40 × 30) shared with the meeting
    # when the attendee opens it twice and the organiser once
    first = actions.view_material(material=material, viewer=guest, context=MANAGED)
    again = actions.view_material(material=material, viewer=guest, context=MANAGED)
    actions.view_material(material=material, viewer=organiser, context=MANAGED)

    # then the text is shown, each opening is kept, and only each reader's first counts as a copy not printed
    assert "あ" * 50 in first.html and first.view.page_count == 2
    assert (first.view.is_first, again.view.is_first) == (True, False)
    assert MaterialView.objects.filter(material=material).count() == 3
    viewed = Event.objects.filter(type=TYPE_PREFIX + "meetings.material_viewed")
    assert sorted(e.data["first"] for e in viewed) == ["False", "True", "True"]
    assert {e.data["department"] for e in viewed} == {"seiso"} and {e.data["pages"] for e in viewed} == {"2"}
    assert (
        AuditEntry.objects.filter(action="meetings.material_viewed", object_id=str(material.meeting.public_id)).count()
        == 3
    )


def test_a_page_count_given_when_sharing_wins_over_the_estimate(material: Material, guest: User) -> None:
    Material.objects.filter(pk=material.pk).update(page_count=12)
    material.refresh_from_db()
    assert actions.view_material(material=material, viewer=guest, context=MANAGED).view.page_count == 12


def test_someone_not_attending_cannot_view_a_material(material: Material, outsider: User) -> None:
    with pytest.raises(NotPermitted):
        actions.view_material(material=material, viewer=outsider, context=MANAGED)
    assert not MaterialView.objects.exists()


def test_minutes_signed_off_through_authoring_close_the_meetings_record(
    meeting: Meeting, organiser: User, kacho: User
) -> None:
    # given minutes drafted by the organiser and saved as a version
    minutes = actions.start_minutes(meeting=meeting, drafter=organiser, context=MANAGED)
    assert actions.start_minutes(meeting=meeting, drafter=organiser, context=MANAGED) == minutes
    write(minutes, organiser, "一 収集車を2台増車する案を了承した。")
    version = authoring.create_version(document=minutes, created_by=organiser, context=MANAGED)

    # when the 課長 approves it and the organiser signs it off
    (review,) = authoring.request_review(version=version, reviewers=[kacho], requested_by=organiser, context=MANAGED)
    authoring.decide_review(review=review, reviewer=kacho, approve=True)
    authoring.sign_off_version(version=version, signed_off_by=organiser, context=MANAGED)

    # then
    meeting.refresh_from_db()
    assert minutes.kind == Document.Kind.MINUTES and minutes.department.code == "seiso"
    assert meeting.minutes_signed_off_at is not None
    assert Event.objects.filter(type=TYPE_PREFIX + "meetings.minutes_signed_off", data__version="1").exists()
