# SPDX-License-Identifier: MPL-2.0
"""The 改善 pages over HTTP: findings, actions and their effect, the funnel; scoping by the policy;
the CSV (audited); a finding's page, where the process owner records an action."""

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import Position, User
from civicloop.analytics import consumer
from civicloop.analytics.dashboards.base import add_months
from civicloop.analytics.improvement.measures import Key
from civicloop.analytics.models import Finding, ImprovementAction
from civicloop.analytics.tests.test_improvement_findings import drafts
from civicloop.core.models import AuditEntry
from civicloop.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db
StaffClient = Callable[[User], Client]
ITEMS_STEP = Key(Finding.Kind.DROP_OFF, "sodai-gomi", "step:items")


@pytest.fixture
def leaving_at_items(catalog: None) -> date:
    """Five months ago half of 40 drafts a month left at 出す品目; since three months ago, 4 of 40."""
    this_month = timezone.localdate().replace(day=1)
    for back in range(1, 6):
        month = add_months(this_month, -back)
        at = timezone.make_aware(datetime(month.year, month.month, 10, 12))
        left = 20 if back >= 4 else 4
        consumer.apply(
            drafts(at, left, ["applicant"])
            + drafts(at, 40 - left, ["applicant", "items", "collection"], submitted=True)
        )
    return add_months(this_month, -3)  # the month of the fix


@pytest.fixture
def kacho(catalog: None) -> User:
    return StaffFactory.create(
        username="seiso-kacho", full_name="清掃 課長", department="seiso", position=Position.KACHO
    )


def finding_url(key: Key = ITEMS_STEP) -> str:
    return reverse("analytics:finding-detail", args=key.url_args())


def test_the_page_lists_the_findings_the_viewer_may_see_in_japanese(
    leaving_at_items: date, clerk: User, staff_client: StaffClient
) -> None:
    page = staff_client(clerk).get("/staff/improvement/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<h1>改善</h1>" in text
    assert "入力の離脱" in text and "粗大ごみ収集申込" in text and "出す品目" in text
    assert finding_url() in text


def test_another_departments_clerk_sees_neither_the_finding_nor_its_page(
    leaving_at_items: date, make_clerk: Callable[..., User], staff_client: StaffClient
) -> None:
    client = staff_client(make_clerk("koseki_juumin"))
    assert "粗大ごみ収集申込" not in client.get("/staff/improvement/").content.decode()
    assert client.get(finding_url()).status_code == 404


def test_residents_and_strangers_do_not_get_the_page(leaving_at_items: date, resident_client: Client) -> None:
    assert resident_client.get("/staff/improvement/").status_code == 404
    assert Client().get("/staff/improvement/").status_code == 302  # to the staff sign-in


def test_the_process_owner_records_an_action_and_sees_before_and_after_with_counts(
    leaving_at_items: date, kacho: User, staff_client: StaffClient
) -> None:
    client = staff_client(kacho)
    # given: the owner sees the form on the finding's page
    assert "対応を記録する" in client.get(finding_url()).content.decode()
    # when: they record the rewording, dated in the month of the fix
    taken_on = leaving_at_items + timedelta(days=4)
    response = client.post(finding_url(), {"description": "品目の入力欄に例を追加", "taken_on": taken_on.isoformat()})
    assert response.status_code == 302
    # then: two complete months have passed since, so two each side: 40 of 80 left before, 8 of 80 after
    action = ImprovementAction.objects.get()
    assert action.recorded_by == kacho and action.taken_on == taken_on
    page = client.get(finding_url()).content.decode()
    assert "品目の入力欄に例を追加" in page
    assert "40 / 80" in page and "8 / 80" in page
    assert "-40.0" in page
    listing = client.get("/staff/improvement/").content.decode()
    assert "品目の入力欄に例を追加" in listing


def test_a_clerk_sees_the_finding_but_not_the_form_and_a_post_changes_nothing(
    leaving_at_items: date, clerk: User, staff_client: StaffClient
) -> None:
    client = staff_client(clerk)
    page = client.get(finding_url()).content.decode()
    assert "対応を記録する" not in page and "課長以上" in page
    response = client.post(finding_url(), {"description": "勝手に記録", "taken_on": "2026-01-05"})
    assert response.status_code == 400 and not ImprovementAction.objects.exists()


def test_an_unknown_finding_is_a_404(catalog: None, kacho: User, staff_client: StaffClient) -> None:
    client = staff_client(kacho)
    assert client.get(finding_url(Key("drop_off", "no-such-procedure", "step:x"))).status_code == 404
    assert client.get(finding_url(Key("no_such_kind", "sodai-gomi", "step:items"))).status_code == 404


@pytest.mark.parametrize("chart_id", ["findings", "actions", "funnel"])
def test_each_table_downloads_as_csv_and_the_export_is_audited(
    leaving_at_items: date, clerk: User, staff_client: StaffClient, chart_id: str
) -> None:
    response = staff_client(clerk).get(f"/staff/improvement/{chart_id}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]
    if chart_id == "funnel":
        assert any("出す品目" in row[0] for row in rows[1:])
    assert AuditEntry.objects.filter(action="access.export", object_id=f"improvement/{chart_id}").exists()


def test_the_page_reads_a_bounded_number_of_queries(
    leaving_at_items: date, kacho: User, staff_client: StaffClient, django_assert_max_num_queries: Any
) -> None:
    client = staff_client(kacho)
    client.post(finding_url(), {"description": "品目の入力欄に例を追加", "taken_on": leaving_at_items.isoformat()})
    with django_assert_max_num_queries(40):
        assert client.get("/staff/improvement/").status_code == 200
