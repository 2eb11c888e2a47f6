# SPDX-License-Identifier: MPL-2.0
"""The staff dashboard's "what changed" charts, counted from the records, scoped like every rollup."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring import actions as authoring
from civicloop.authoring.models import Review
from civicloop.authoring.tests.conftest import MANAGED, write
from civicloop.collab import actions as chat
from civicloop.council import actions as council
from civicloop.council.models import Assignment
from civicloop.meetings import actions
from civicloop.meetings.models import Material

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_dashboard_cache(settings: Any) -> None:
    settings.ANALYTICS_CACHE_SECONDS = 0


def _this_month(page: dict[str, Any], chart_id: str) -> dict[str, Any]:
    chart = next(c for c in page["charts"] if c["id"] == chart_id)
    keys = [column["key"] for column in chart["columns"]]
    return dict(zip(keys, chart["rows"][-1], strict=True))


def _answers(make_staff: Callable[..., User], organiser: User) -> None:
    """Two council answers of 清掃リサイクル課 finalised this month: one before its deadline, one after."""
    secretary = make_staff("gikai", "gikai-clerk")
    session = council.register_session(
        name="令和8年第4回定例会",
        opens_on=date(2026, 11, 25),
        closes_on=date(2026, 12, 12),
        created_by=secretary,
        context=MANAGED,
    )
    now = timezone.now()
    for number, due in ((1, now + timedelta(days=1)), (2, now - timedelta(days=1))):
        question = council.register_question(
            session=session,
            kind="general",
            number=number,
            member_name="議員",
            subject=f"質問{number}",
            text="区の見解を伺う。",
            answer_due_at=due,
            registered_by=secretary,
            context=MANAGED,
        )
        council.assign_question(
            question=question, department=Department.objects.get(code="seiso"), assigned_by=secretary, context=MANAGED
        )
    Assignment.objects.update(finalised_at=now)


def test_the_staff_dashboard_counts_what_changed_for_the_departments_one_may_see(
    material: Material, organiser: User, guest: User, kacho: User, make_staff: Callable[..., User]
) -> None:
    # given, this month in 清掃リサイクル課: two chat messages, a document versioned and reviewed in
    # about an hour, a two-page material read by two people (one of them twice), two council answers
    channel = chat.department_channel(department=Department.objects.get(code="seiso"), opened_by=organiser)
    chat.post_message(channel=channel, author=organiser, body="資料を共有しました。", context=MANAGED)
    chat.post_message(channel=channel, author=kacho, body="確認します。", context=MANAGED)
    write(material.document, organiser, "追記")
    version = authoring.create_version(document=material.document, created_by=organiser, context=MANAGED)
    (review,) = authoring.request_review(version=version, reviewers=[kacho], requested_by=organiser, context=MANAGED)
    Review.objects.filter(pk=review.pk).update(requested_at=timezone.now() - timedelta(hours=1))
    authoring.decide_review(review=Review.objects.get(pk=review.pk), reviewer=kacho, approve=True)
    for viewer in (guest, guest, organiser):
        actions.view_material(material=material, viewer=viewer, context=MANAGED)
    _answers(make_staff, organiser)

    # when a clerk of the department reads the staff dashboard, and one of 税務課 does
    mine = sign_in_with_mfa(Client(), organiser).get("/staff/dashboards/staff/data.json").json()
    other = (
        sign_in_with_mfa(Client(), make_staff("zeimu", "zeimu-clerk")).get("/staff/dashboards/staff/data.json").json()
    )

    # then the department's figures are there, and another department's clerk sees none of them
    assert _this_month(mine, "messages") | {"month": ""} == {"month": "", "messages": 2, "people": 2, "email": None}
    assert _this_month(mine, "coedited")["documents"] == 1 and _this_month(mine, "coedited")["versions"] == 1
    reviews = _this_month(mine, "reviews")
    assert reviews["reviews"] == 1 and 0.9 <= reviews["median_hours"] <= 1.1
    assert _this_month(mine, "paperless") | {"month": ""} == {"month": "", "views": 3, "pages": 4}
    assert _this_month(mine, "answers-on-time") | {"month": ""} == {
        "month": "",
        "finalised": 2,
        "on_time": 1,
        "rate": 50.0,
    }
    for chart_id in ("messages", "coedited", "reviews", "paperless", "answers-on-time"):
        figures = _this_month(other, chart_id)
        assert not any(value for key, value in figures.items() if key != "month"), chart_id


def test_each_what_changed_chart_downloads_as_csv(material: Material, organiser: User, guest: User) -> None:
    actions.view_material(material=material, viewer=guest, context=MANAGED)
    client = sign_in_with_mfa(Client(), organiser)

    response = client.get("/staff/dashboards/staff/paperless.csv")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines[0].split(",")) == 3  # month, openings, pages not printed
    assert lines[-1].endswith(",1,2")
