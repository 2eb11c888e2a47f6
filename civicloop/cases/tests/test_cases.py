# SPDX-License-Identifier: MPL-2.0
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.applications import actions as application_actions
from civicloop.applications.models import Application
from civicloop.cases import actions
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.core.calendar import add_business_days
from civicloop.core.models import Event

pytestmark = pytest.mark.django_db


def _submit(user: User, procedure: Procedure, key: str = "key-00000001") -> Application:
    application, _created = application_actions.submit_from_api(
        user=user, procedure=procedure, answers=VALID_SODAI_GOMI, idempotency_key=key
    )
    return application


def _client(user: User) -> Client:
    """Staff as if through /staff/login/ with their second factor; residents as after OIDC."""
    client = Client()
    if user.is_staff_member:
        return sign_in_with_mfa(client, user)
    client.force_login(user)
    return client


def test_a_submission_opens_a_case_in_the_department_with_its_due_date(resident: User, sodai_gomi: Procedure) -> None:
    application = _submit(resident, sodai_gomi)
    case = Case.objects.get(application=application)
    assert case.department.code == "seiso"
    arrival = timezone.localdate(application.submitted_at)
    assert case.due_date == add_business_days(arrival, 10)  # 粗大ごみ: 10 business days
    assert Event.objects.filter(type="jp.lg.civicloop.case.opened", subject=f"case/{case.public_id}").exists()


def test_a_refused_submission_opens_no_case(resident: User, sodai_gomi: Procedure) -> None:
    with pytest.raises(application_actions.SubmissionInvalid):
        application_actions.submit_from_api(
            user=resident, procedure=sodai_gomi, answers={}, idempotency_key="key-bad-0001"
        )
    assert not Case.objects.exists()


def test_the_inbox_lists_the_departments_cases_with_a_constant_number_of_queries(
    resident: User, clerk: User, sodai_gomi: Procedure, django_assert_max_num_queries
) -> None:
    client = _client(clerk)
    _submit(resident, sodai_gomi, "key-00000001")
    with django_assert_max_num_queries(8) as one:
        client.get(reverse("cases:case-list"))
    for n in range(2, 12):
        _submit(resident, sodai_gomi, f"key-{n:08d}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(reverse("cases:case-list")).content.decode()
    assert html.count("/staff/cases/") == 11


def test_other_departments_and_residents_cannot_open_a_case(resident: User, clerk: User, sodai_gomi: Procedure) -> None:
    case = Case.objects.get(application=_submit(resident, sodai_gomi))
    url = reverse("cases:case-detail", args=[case.public_id])
    assert _client(clerk).get(url).status_code == 200
    outsider = User.objects.create(username="kosodate", kind=User.Kind.STAFF)
    outsider.departments.add(Department.objects.get(code="kosodate_kyufu"))
    assert _client(outsider).get(url).status_code == 404
    assert _client(resident).get(url).status_code == 404
    assert "/staff/cases/" not in _client(outsider).get(reverse("cases:case-list")).content.decode()


def test_two_clerks_claim_at_once_and_one_wins(resident: User, clerk: User, sodai_gomi: Procedure) -> None:
    case = Case.objects.get(application=_submit(resident, sodai_gomi))
    second = User.objects.create(username="clerk2", kind=User.Kind.STAFF)
    second.departments.add(Department.objects.get(code="seiso"))
    actions.claim_case(case=case, clerk=clerk)
    with pytest.raises(actions.CaseAlreadyClaimed):
        actions.claim_case(case=case, clerk=second)
    case.refresh_from_db()
    assert case.assignee == clerk and case.status == Case.Status.IN_REVIEW
    assert case.application.status == Application.Status.IN_REVIEW
    assert list(case.application.history.values_list("status", flat=True)) == ["submitted", "in_review"]
    response = _client(second).post(reverse("cases:case-claim", args=[case.public_id]), follow=True)
    assert "他の職員が先にこの案件を担当しました" in response.content.decode()


def test_sla_states(resident: User, sodai_gomi: Procedure) -> None:
    case = Case.objects.get(application=_submit(resident, sodai_gomi))
    today = date(2026, 11, 26)
    case.due_date = today + timedelta(days=10)
    assert case.sla_state(today) == Case.Sla.ON_TRACK
    case.due_date = today + timedelta(days=2)
    assert case.sla_state(today) == Case.Sla.DUE_SOON
    case.due_date = today - timedelta(days=1)
    assert case.sla_state(today) == Case.Sla.OVERDUE
    case.status = Case.Status.CLOSED
    assert case.sla_state(today) == Case.Sla.DONE
