# SPDX-License-Identifier: MPL-2.0
"""The service account behind an integration client is no one to pick: not an assignee, a reviewer,
a person to mention or an attendee (civicloop.accounts.colleagues, the one place that says so)."""

from collections.abc import Callable

import pytest
from django.test import Client

from civicloop.accounts.colleagues import colleagues
from civicloop.accounts.models import Department, Position, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.backoffice import actions
from civicloop.backoffice.tests.conftest import bearer, token_of
from civicloop.cases.models import Case
from civicloop.classification.policy import NO_CONTEXT
from civicloop.collab import actions as chat
from civicloop.collab.models import Mention
from civicloop.meetings.forms import AttendeeForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(register: Callable[..., actions.Registered]) -> User:
    """The service account of a seiso client, cleared for SECRET (so clearance filters keep it)."""
    account = register(clearance="SECRET").client.service_user
    account.username = "api-client-test"
    account.save(update_fields=["username"])
    return account


def test_colleagues_are_active_staff_without_service_accounts(service: User, clerk: User, resident: User) -> None:
    assert list(colleagues().filter(pk__in=[service.pk, clerk.pk, resident.pk])) == [clerk]


def test_the_inbox_offers_no_service_account_to_assign_and_refuses_one(service: User, case: Case) -> None:
    # given: a 係長 of seiso, who may assign
    chief = User.objects.create(username="kakari", kind=User.Kind.STAFF, position=Position.KAKARICHO)
    chief.departments.add(Department.objects.get(code="seiso"))
    browser = sign_in_with_mfa(Client(), chief)
    # when
    page = browser.get("/staff/inbox/").content.decode()
    refused = browser.post(f"/staff/cases/{case.public_id}/assign/", {"assignee": service.pk})
    # then
    case.refresh_from_db()
    assert "kakari" in page and service.full_name not in page and f'value="{service.pk}"' not in page
    assert refused.status_code == 302 and case.assignee_id is None


def test_the_api_refuses_a_service_account_as_assignee(
    service: User, case: Case, register: Callable[..., actions.Registered]
) -> None:
    registered = register()
    token = token_of(registered.client_id, registered.client_secret).json()["access_token"]
    response = Client().post(
        f"/api/v1/backoffice/cases/{case.public_id}/assign",
        {"assignee": str(service.public_id)},
        content_type="application/json",
        **bearer(token),
    )
    case.refresh_from_db()
    assert response.status_code == 422 and case.assignee_id is None


def test_a_mention_of_a_service_account_notifies_no_one(service: User, clerk: User) -> None:
    channel = chat.department_channel(department=Department.objects.get(code="seiso"), opened_by=clerk)
    chat.post_message(channel=channel, author=clerk, body="@api-client-test 確認を", context=NO_CONTEXT)
    assert not Mention.objects.filter(user=service).exists()


def test_no_service_account_is_offered_as_a_meeting_attendee(service: User, clerk: User) -> None:
    offered = set(AttendeeForm().fields["person"].queryset.values_list("pk", flat=True))  # type: ignore[attr-defined]
    assert clerk.pk in offered and service.pk not in offered
