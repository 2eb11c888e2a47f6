# SPDX-License-Identifier: MPL-2.0
"""Dashboards through HTTP: scoping by the policy, CSV, filters, drill-down, access."""

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from civicloop.accounts.models import User
from civicloop.analytics import consumer, scope
from civicloop.analytics.dashboards import DASHBOARDS
from civicloop.analytics.tests.conftest import case_events
from civicloop.classification.policy import Context, DeviceTrust

pytestmark = pytest.mark.django_db
StaffClient = Callable[[User], Client]


@pytest.fixture
def two_departments(catalog: None, recent: datetime) -> None:
    """Three bulky-waste cases in 清掃リサイクル課, five residence certificates in 戸籍住民課, one SECRET case."""
    events = []
    for _ in range(3):
        events += case_events("sodai-gomi", "seiso", recent, days=2)
    for _ in range(5):
        events += case_events("juminhyo", "koseki_juumin", recent, days=1, channel="counter")
    events += case_events("sodai-gomi", "seiso", recent, classification="SECRET")
    consumer.apply(events)


def chart(payload: dict[str, Any], chart_id: str) -> dict[str, Any]:
    return next(c for c in payload["charts"] if c["id"] == chart_id)


def test_a_clerk_sees_only_the_figures_of_their_own_department(
    two_departments: None, clerk: User, staff_client: StaffClient
) -> None:
    payload = staff_client(clerk).get("/staff/dashboards/staff/data.json").json()
    workload = chart(payload, "workload")
    assert [row[0] for row in workload["rows"]] == ["清掃リサイクル課"]
    assert workload["rows"][0][1] == 3  # the SECRET case is above the clerk's clearance
    online = chart(staff_client(clerk).get("/staff/dashboards/citizens/data.json").json(), "online-rate")
    assert len(online["rows"]) == 1 and "住民票" not in online["rows"][0][0]


def test_asking_for_another_departments_figures_returns_none_of_them(
    two_departments: None, clerk: User, staff_client: StaffClient
) -> None:
    response = staff_client(clerk).get("/staff/dashboards/operations/data.json?department=koseki_juumin")
    assert response.status_code == 200
    assert all(
        not c["rows"] or (c["id"] == "flow" and all(r[1] == 0 for r in c["rows"])) for c in response.json()["charts"]
    )


def test_secret_figures_need_the_clearance_and_a_trusted_device(
    two_departments: None, clerk: User, staff_client: StaffClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk.clearance = "SECRET"
    clerk.save(update_fields=["clearance"])
    client = staff_client(clerk)

    def shares() -> dict[str, int]:
        payload = client.get("/staff/dashboards/governance/data.json").json()
        return {row[0]: row[1] for row in chart(payload, "classification")["rows"]}

    assert shares() == {"一般": 3, "秘": 0, "極秘": 0}  # no registered device; staff read 一般／秘／極秘
    managed = Context(device_trust=DeviceTrust.MANAGED)
    monkeypatch.setattr(scope, "context_from_request", lambda request: managed)
    assert shares() == {"一般": 3, "秘": 1, "極秘": 0}


def test_the_classification_charts_name_every_tier_in_the_viewers_language(
    two_departments: None, clerk: User, staff_client: StaffClient
) -> None:
    client = staff_client(clerk)

    def tier_labels() -> list[str]:
        by_department = chart(
            client.get("/staff/dashboards/governance/data.json").json(), "classification-by-department"
        )
        plotted = {s["key"] for s in by_department["series"]}
        return [c["label"] for c in by_department["columns"] if c["key"] in plotted]

    # every tier is a series of its own (a legend that drops one drops a tier), named for people
    assert tier_labels() == ["一般", "秘", "極秘"]
    client.post("/i18n/setlang/", {"language": "en"})
    assert tier_labels() == ["OFFICIAL", "SECRET", "TOP SECRET"]


def test_every_dashboard_renders_with_its_charts_and_tables(
    two_departments: None, koseki_clerk: User, staff_client: StaffClient
) -> None:
    client = staff_client(koseki_clerk)
    for slug in DASHBOARDS:
        page = client.get(f"/staff/dashboards/{slug}/")
        assert page.status_code == 200, slug
        body = page.content.decode()
        # charts are SVG drawn on the server: no chart script, no style attribute for the CSP to block;
        # a dashboard with nothing to draw yet (forecasts before 26 weeks of history) says so instead
        assert "<svg" in body or "chart-card__empty" in body, slug
        assert "echarts" not in body and "style=" not in body.split('<main id="main"')[1]
    assert "住民票の写し交付請求" in client.get("/staff/dashboards/citizens/").content.decode()


def test_a_chart_downloads_as_csv_with_the_same_figures(
    two_departments: None, koseki_clerk: User, staff_client: StaffClient
) -> None:
    client = staff_client(koseki_clerk)
    rows = chart(client.get("/staff/dashboards/citizens/data.json").json(), "online-rate")["rows"]
    response = client.get("/staff/dashboards/citizens/online-rate.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(table) == 1 + len(rows)
    assert table[1][:3] == [str(v) for v in rows[0][:3]]


def test_csv_of_another_department_holds_no_figures(
    two_departments: None, clerk: User, staff_client: StaffClient
) -> None:
    body = staff_client(clerk).get("/staff/dashboards/citizens/online-rate.csv").content.decode()
    assert "住民票" not in body


def test_a_period_that_cannot_be_read_is_a_clear_error(koseki_clerk: User, staff_client: StaffClient) -> None:
    client = staff_client(koseki_clerk)
    response = client.get("/staff/dashboards/operations/data.json?from=2026-13")
    assert response.status_code == 400
    assert "YYYY-MM" in response.json()["error"]
    page = client.get("/staff/dashboards/operations/?from=2026-09&to=2026-01")
    assert page.status_code == 400 and "notice--error" in page.content.decode()


def test_residents_and_strangers_get_nothing(two_departments: None, resident_client: Client) -> None:
    assert resident_client.get("/staff/dashboards/operations/data.json").status_code == 404
    assert resident_client.get("/staff/dashboards/operations/flow.csv").status_code == 404
    anonymous = Client().get("/staff/dashboards/operations/data.json")
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]


def test_an_unknown_dashboard_or_chart_is_not_found(koseki_clerk: User, staff_client: StaffClient) -> None:
    client = staff_client(koseki_clerk)
    assert client.get("/staff/dashboards/nothing/data.json").status_code == 404
    assert client.get("/staff/dashboards/operations/nothing.csv").status_code == 404


def test_the_operations_dashboard_reads_a_fixed_number_of_queries(
    two_departments: None, koseki_clerk: User, staff_client: StaffClient, django_assert_max_num_queries: Any
) -> None:
    client = staff_client(koseki_clerk)
    with django_assert_max_num_queries(25):
        assert client.get("/staff/dashboards/operations/data.json").status_code == 200


def test_uptake_lists_a_procedure_only_after_months_at_the_counter(
    catalog: None, koseki_clerk: User, staff_client: StaffClient
) -> None:
    from django.utils import timezone

    from civicloop.analytics.dashboards.base import add_months
    from civicloop.analytics.models import MonthlyCount

    this_month = timezone.localdate().replace(day=1)

    def submitted(procedure: str, months_ago: int, dim: str) -> None:
        MonthlyCount.objects.create(
            metric="submitted",
            month=add_months(this_month, -months_ago),
            department="koseki_juumin",
            procedure=procedure,
            dim=dim,
            count=20,
        )

    for ago in (6, 5, 4):  # three months at the counter only, then online
        submitted("inkan-toroku", ago, "counter")
    submitted("inkan-toroku", 3, "online")
    submitted("juminhyo", 5, "counter")  # one quiet month is not a launch
    submitted("juminhyo", 4, "online")
    payload = staff_client(koseki_clerk).get("/staff/dashboards/services/data.json").json()
    assert [row[0] for row in chart(payload, "uptake")["rows"]] == ["印鑑登録申請"]


def test_the_services_dashboard_counts_answers_prefilled_by_life_event_bundles(
    two_departments: None, koseki_clerk: User, staff_client: StaffClient, recent: datetime
) -> None:
    import uuid

    from civicloop.analytics.tests.conftest import event

    def prefilled(procedure: str, fields: Any) -> Any:
        data = {"procedure": procedure, "life_event": "moving", "follows": "tennyu", "fields": fields}
        return event("application.prefilled", f"application/{uuid.uuid4()}", recent, data)

    # Two 戸籍住民課 drafts (9 and 5 answers) and one of another department, which this clerk can't see;
    # a malformed count is a draft with none, not an error.
    consumer.apply(
        [prefilled("juminhyo", 9), prefilled("inkan-toroku", 5), prefilled("sodai-gomi", 7), prefilled("juminhyo", "x")]
    )
    client = staff_client(koseki_clerk)
    rows = chart(client.get("/staff/dashboards/services/data.json").json(), "once-only")["rows"]
    assert [row[1:] for row in rows if row[1]] == [[3, 14, 4.7]]  # one month: drafts, answers, per draft
    page = client.get("/staff/dashboards/services/").content.decode()
    assert "ワンスオンリー" in page
