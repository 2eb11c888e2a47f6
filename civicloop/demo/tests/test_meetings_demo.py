# SPDX-License-Identifier: MPL-2.0
"""The demo's paperless meeting: attendees, agenda, two materials on screen, one reading; made once."""

import pytest
from django.test import Client

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.demo.meetings import TITLE
from civicloop.demo.seed import seed
from civicloop.meetings.models import Material, MaterialView, Meeting

pytestmark = pytest.mark.django_db


def test_the_demo_meeting_has_its_agenda_and_materials_and_an_attendee_sees_it(catalog: None) -> None:
    seed()
    seed()  # a second run adds nothing

    meeting = Meeting.objects.get(title=TITLE)
    assert Meeting.objects.count() == 1
    assert [item.title for item in meeting.agenda.order_by("position")] == ["11月の受付状況", "議会答弁書（案）の確認"]
    assert sorted(m.page_count or 0 for m in Material.objects.filter(meeting=meeting)) == [1, 2]
    assert MaterialView.objects.filter(material__meeting=meeting).count() == 1

    page = sign_in_with_mfa(Client(), User.objects.get(username="clerk-seiso")).get("/staff/meetings/")
    assert TITLE in page.content.decode()


def test_the_demo_mail_server_figures_are_loaded_once(catalog: None) -> None:
    from civicloop.analytics.models import InternalMailCount

    seed()
    seed()
    months = list(
        InternalMailCount.objects.filter(department="seiso").order_by("month").values_list("month", "messages")
    )
    assert len(months) == 12 and months[0][1] > months[-1][1]
    assert all(month.day == 1 for month, _n in months)
