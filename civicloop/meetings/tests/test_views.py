# SPDX-License-Identifier: MPL-2.0
"""The meetings pages: calling a meeting, its page for the department and an attendee, a material on screen."""

import pytest
from django.test import Client

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.meetings.models import Material, MaterialView, Meeting

pytestmark = pytest.mark.django_db


def test_a_clerk_calls_a_meeting_at_a_time_entered_in_tokyo(organiser: User) -> None:
    client = sign_in_with_mfa(Client(), organiser)
    page = client.get("/staff/meetings/").content.decode()
    assert "会議を登録する" in page

    response = client.post(
        "/staff/meetings/",
        {
            "title": "収集計画会議",
            "starts_at": "2026-12-10T14:00",
            "place": "第3会議室",
            "department": organiser.departments.get().pk,
            "classification": "OFFICIAL",
        },
    )

    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/meetings/{meeting.public_id}/"
    assert meeting.starts_at.isoformat() == "2026-12-10T05:00:00+00:00" and meeting.department.code == "seiso"


def test_the_department_adds_an_agenda_item_and_the_attendee_reads_without_forms(
    material: Material, organiser: User, guest: User
) -> None:
    meeting = material.meeting
    organiser_client = sign_in_with_mfa(Client(), organiser)
    organiser_client.post(
        f"/staff/meetings/{meeting.public_id}/agenda/", {"title": "収集車の配置", "presenter": "係長"}
    )

    page = sign_in_with_mfa(Client(), guest).get(f"/staff/meetings/{meeting.public_id}/").content.decode()

    assert "収集車の配置" in page and "収集車配置計画（案）" in page and "第3会議室" in page
    assert "議題を追加する" not in page and "議事録の作成を始める" not in page
    assert guest.username in page or "somu-clerk" in page


def test_an_attendee_reads_a_material_on_screen_and_the_view_is_counted(material: Material, guest: User) -> None:
    response = sign_in_with_mfa(Client(), guest).get(f"/staff/meetings/materials/{material.public_id}/")

    page = response.content.decode()
    assert response.status_code == 200 and "あ" * 40 in page and "印刷しなかったページ 2 枚" in page
    assert MaterialView.objects.get().viewer == guest


def test_an_attendee_cannot_share_or_start_minutes(material: Material, guest: User) -> None:
    client = sign_in_with_mfa(Client(), guest)
    meeting = material.meeting

    assert client.post(f"/staff/meetings/{meeting.public_id}/minutes/").status_code == 404
    assert client.post(f"/staff/meetings/{meeting.public_id}/agenda/", {"title": "x"}).status_code == 404
    assert not meeting.agenda.exists() and Meeting.objects.get(pk=meeting.pk).minutes is None


def test_starting_the_minutes_opens_them_in_the_co_editor(meeting: Meeting, organiser: User) -> None:
    response = sign_in_with_mfa(Client(), organiser).post(f"/staff/meetings/{meeting.public_id}/minutes/")

    meeting.refresh_from_db()
    assert meeting.minutes is not None
    assert response["Location"] == f"/staff/documents/{meeting.minutes.public_id}/"
