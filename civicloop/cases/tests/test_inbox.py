# SPDX-License-Identifier: MPL-2.0
"""The staff inbox: its filters, its answer to a query string it does not understand, its query count."""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications import actions as application_actions
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.core.audit import verify_chain
from civicloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db

DEVICE_HEADER = "HTTP_X_TEST_DEVICE_TRUST"


@pytest.fixture
def device_header(settings: object) -> None:
    settings.MIDDLEWARE = [  # type: ignore[attr-defined]
        *settings.MIDDLEWARE,  # type: ignore[attr-defined]
        "civicloop.classification.tests.conftest.DeviceHeaderMiddleware",
    ]


def _cases(resident: User, procedure: Procedure, n: int, start: int = 0) -> list[Case]:
    made = []
    for i in range(start, start + n):
        application, _created = application_actions.submit_from_api(
            user=resident, procedure=procedure, answers=VALID_SODAI_GOMI, idempotency_key=f"key-{i:08d}"
        )
        made.append(Case.objects.get(application=application))
    return made


def _listed(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("status=lost", "fl-status", "一覧にある値から選んでください。"),
        ("sla=late", "fl-sla", "一覧にある値から選んでください。"),
        ("step=nowhere", "fl-step", "一覧にある値から選んでください。"),
        ("sort=name", "fl-sort", "一覧にある値から選んでください。"),
        ("assignee=someone", "fl-assignee", "一覧にある職員から選んでください。"),
        ("assignee=１２", "fl-assignee", "一覧にある職員から選んでください。"),
        ("assignee=987654", "fl-assignee", "一覧にある職員から選んでください。"),  # no one has this id
        ("assignee=99999999999999999999", "fl-assignee", "一覧にある職員から選んでください。"),  # past bigint
        ("due_before=2026-13-01", "fl-due", "日付は 2026-12-31 のように入力してください。"),
        ("procedure=a%20b", "fl-procedure", "一覧にある手続から選んでください。"),
        ("procedure=no-such-procedure", "fl-procedure", "一覧にある手続から選んでください。"),
        ("approvals=yours", "filters", "一覧にある値から選んでください。"),
        (f"q={'x' * 61}", "fl-q", "60文字以内で入力してください。"),
    ],
)
def test_a_value_the_inbox_does_not_know_is_named_back_and_lists_nothing(
    query: str, field: str, message: str, case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    response = login(clerk).get(f"{reverse('cases:case-list')}?{query}")
    assert response.status_code == 400
    body = _listed(response)
    assert f'href="#{field}"' in body and message in body
    assert case.application.receipt_number not in body


def test_a_page_number_that_is_not_a_page_shows_the_first_page(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    response = login(clerk).get(reverse("cases:case-list"), {"page": "abc"})
    assert response.status_code == 200 and case.application.receipt_number in _listed(response)


def test_the_processing_period_filters_list_the_cases_in_that_state(
    resident: User, sodai_gomi: Procedure, clerk: User, login: Callable[[User], Client]
) -> None:
    # given an overdue case, one due tomorrow, one paused for a 補正 and one on track
    overdue, soon, paused, on_track = _cases(resident, sodai_gomi, 4)
    today = timezone.localdate()
    Case.objects.filter(pk=overdue.pk).update(due_date=today - timedelta(days=1))
    Case.objects.filter(pk=soon.pk).update(due_date=today + timedelta(days=1))
    Case.objects.filter(pk=paused.pk).update(status=Case.Status.CORRECTION, due_date=today - timedelta(days=1))
    Case.objects.filter(pk=on_track.pk).update(due_date=today + timedelta(days=30))
    client = login(clerk)
    # when the clerk filters by each state, then each lists its own case only
    for sla, expected in (("overdue", overdue), ("due_soon", soon), ("paused", paused)):
        body = _listed(client.get(reverse("cases:case-list"), {"sla": sla}))
        shown = {c.pk for c in (overdue, soon, paused, on_track) if c.application.receipt_number in body}
        assert shown == {expected.pk}, sla


def test_a_receipt_number_finds_its_case_however_it_is_typed(
    resident: User, sodai_gomi: Procedure, clerk: User, login: Callable[[User], Client]
) -> None:
    wanted, other = _cases(resident, sodai_gomi, 2)
    number = wanted.application.receipt_number
    full_width = number.lower().translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    for typed in (number, number.lower(), full_width):
        body = _listed(login(clerk).get(reverse("cases:case-list"), {"q": typed}))
        assert number in body and other.application.receipt_number not in body, typed


def test_a_name_finds_the_residents_cases(
    resident: User, sodai_gomi: Procedure, clerk: User, login: Callable[[User], Client]
) -> None:
    (case,) = _cases(resident, sodai_gomi, 1)
    family_name = resident.full_name.split()[0]
    assert case.application.receipt_number in _listed(login(clerk).get(reverse("cases:case-list"), {"q": family_name}))
    assert case.application.receipt_number not in _listed(
        login(clerk).get(reverse("cases:case-list"), {"q": "該当なし"})
    )


def test_the_procedure_filter_lists_that_procedures_cases(
    resident: User, sodai_gomi: Procedure, clerk: User, login: Callable[[User], Client]
) -> None:
    (case,) = _cases(resident, sodai_gomi, 1)
    client = login(clerk)
    assert case.application.receipt_number in _listed(
        client.get(reverse("cases:case-list"), {"procedure": "sodai-gomi"})
    )
    response = client.get(reverse("cases:case-list"), {"procedure": "juminhyo"})
    assert response.status_code == 200 and case.application.receipt_number not in _listed(response)


def test_the_assignee_filter_lists_that_persons_cases(
    resident: User, sodai_gomi: Procedure, clerk: User, login: Callable[[User], Client]
) -> None:
    from civicloop.cases import actions

    mine, unclaimed = _cases(resident, sodai_gomi, 2)
    actions.claim_case(case=mine, clerk=clerk)
    response = login(clerk).get(reverse("cases:case-list"), {"assignee": str(clerk.pk)})
    body = _listed(response)
    assert response.status_code == 200
    assert mine.application.receipt_number in body and unclaimed.application.receipt_number not in body


def test_listing_secret_cases_costs_the_same_queries_however_many_are_on_the_page(
    resident: User,
    sodai_gomi: Procedure,
    clerk: User,
    login: Callable[[User], Client],
    device_header: None,
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    # given a SECRET-cleared clerk and one SECRET case in the department
    User.objects.filter(pk=clerk.pk).update(clearance="SECRET")
    client = login(User.objects.get(pk=clerk.pk))
    first = _cases(resident, sodai_gomi, 1)
    Case.objects.filter(pk=first[0].pk).update(classification="SECRET")
    with django_assert_max_num_queries(30) as one:  # type: ignore[operator]
        client.get(reverse("cases:case-list"), **{DEVICE_HEADER: "byod"})
    # when ten more SECRET cases arrive
    more = _cases(resident, sodai_gomi, 10, start=1)
    Case.objects.filter(pk__in=[c.pk for c in more]).update(classification="SECRET")
    # then the page lists all eleven, audits each, and makes no more queries than with one
    with django_assert_max_num_queries(len(one.captured_queries)):  # type: ignore[attr-defined]
        body = _listed(client.get(reverse("cases:case-list"), **{DEVICE_HEADER: "byod"}))
    assert all(c.application.receipt_number in body for c in first + more)
    listed = AuditEntry.objects.filter(action="access.view", data__reason="listed")
    assert {e.object_id for e in listed} == {str(c.public_id) for c in first + more}
    assert verify_chain() is None


def test_a_row_names_the_procedure_the_step_the_period_and_the_assignee(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    from civicloop.cases import actions

    actions.claim_case(case=case, clerk=clerk)
    Case.objects.filter(pk=case.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    body = _listed(login(clerk).get(reverse("cases:case-list")))
    row = body[body.index(case.application.receipt_number) :].split("</tr>")[0]
    assert case.application.procedure_version.name_ja in row
    assert "審査" in row and "期限超過" in row and clerk.display_name in row
    assert f'href="/staff/cases/{case.public_id}/"' in body


def test_a_row_writes_its_dates_and_an_unassigned_case_as_a_dash(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    Case.objects.filter(pk=case.pk).update(
        arrived_at=datetime(2026, 12, 3, 16, 30, tzinfo=UTC),  # 4 December in Tokyo
        due_date=date(2027, 1, 5),
    )
    body = _listed(login(clerk).get(reverse("cases:case-list"), {"status": "all"}))
    row = body[body.index(case.application.receipt_number) :].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert "2026年12月4日" in cells and "2027年1月5日" in cells and "—" in cells


def test_each_filter_box_shows_the_chosen_option_again(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    chosen = {"status": "in_review", "sla": "overdue", "assignee": str(clerk.pk), "step": "review",
              "procedure": "sodai-gomi", "sort": "arrived"}  # fmt: skip
    body = _listed(login(clerk).get(reverse("cases:case-list"), chosen))
    for name, value in chosen.items():
        box = body.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        assert re.findall(r'<option value="([^"]*)" selected>', box) == [value], name
