# SPDX-License-Identifier: MPL-2.0
"""A small cast for meetings: 清掃リサイクル課 calls one, 総務課's clerk attends, 税務課's clerk does not."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from civicloop.accounts.models import Department, Position, User
from civicloop.authoring import actions as authoring
from civicloop.authoring.models import Document
from civicloop.authoring.tests.conftest import MANAGED, write
from civicloop.meetings import actions
from civicloop.meetings.models import Material, Meeting
from civicloop.testing.factories import StaffFactory

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def make_staff(catalog: None) -> Callable[..., User]:
    def make(department: str, username: str, **fields: Any) -> User:
        return StaffFactory.create(department=department, username=username, full_name=username, **fields)

    return make


@pytest.fixture
def organiser(make_staff: Callable[..., User]) -> User:
    return make_staff("seiso", "seiso-clerk")


@pytest.fixture
def kacho(make_staff: Callable[..., User]) -> User:
    return make_staff("seiso", "seiso-kacho", position=Position.KACHO)


@pytest.fixture
def guest(make_staff: Callable[..., User]) -> User:
    """A clerk of 総務課, invited to the meeting."""
    return make_staff("somu", "somu-clerk")


@pytest.fixture
def outsider(make_staff: Callable[..., User]) -> User:
    return make_staff("zeimu", "zeimu-clerk")


@pytest.fixture
def meeting(organiser: User) -> Meeting:
    return actions.schedule_meeting(
        title="ごみ収集体制見直し検討会議",
        starts_at=datetime(2026, 12, 10, 14, 0, tzinfo=TOKYO),
        place="第3会議室",
        department=Department.objects.get(code="seiso"),
        created_by=organiser,
        context=MANAGED,
    )


def make_document(author: User, title: str, *paragraphs: str, department: str = "seiso") -> Document:
    document = authoring.create_document(
        title=title,
        kind=Document.Kind.REPORT,
        classification="OFFICIAL",
        department=Department.objects.get(code=department),
        created_by=author,
        context=MANAGED,
    )
    if paragraphs:
        write(document, author, *paragraphs)
    return document


@pytest.fixture
def material(meeting: Meeting, organiser: User, guest: User) -> Material:
    """A two-page report (2,000 characters) shared with the meeting, which the 総務課 clerk attends."""
    actions.add_attendee(meeting=meeting, person=guest, added_by=organiser, context=MANAGED)
    document = make_document(organiser, "収集車配置計画（案）", "あ" * 1000, "い" * 1000)
    return actions.share_material(meeting=meeting, document=document, shared_by=organiser, context=MANAGED)
