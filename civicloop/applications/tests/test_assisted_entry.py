# SPDX-License-Identifier: MPL-2.0
"""窓口・電話での代理入力: a clerk enters an application for a resident through the resident's own form."""

from collections.abc import Callable
from typing import Any

from django.test import Client

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.applications import actions
from civicloop.applications.models import Application
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.core.models import AuditEntry

STEPS = {
    "requester": {"applicant_relation": "self", "contact.phone": "０３１２３４５６７８"},
    "record": {
        "registered_address.postal_code": "1508010",
        "registered_address.prefecture": "東京都",
        "registered_address.city": "渋谷区",
        "registered_address.town": "宇田川町",
        "registered_address.block": "1-1",
        "household_head.family": "窓口",
        "household_head.given": "太郎",
        "household_head.family_kana": "マドグチ",
        "household_head.given_kana": "タロウ",
        "scope": "household",
    },
    "details": {"purpose": "employment", "copies": "1"},
}


def start(client: Client, **overrides: str) -> Any:
    procedure = Procedure.objects.get(code="juminhyo")
    data = {
        "procedure": str(procedure.pk),
        "channel": "counter",
        "identity_checked_with": "driving_licence",
        "identity_confirmed": "on",
        "email": "",
        **overrides,
    }
    return client.post("/staff/counter/", data)


def test_a_counter_clerk_enters_and_submits_an_application_that_lands_in_the_inbox(
    make_clerk: Callable[..., User], client: Client
) -> None:
    clerk = make_clerk("koseki_juumin")
    sign_in_with_mfa(client, clerk)
    assert "住民票" in client.get("/staff/counter/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    response = start(client)
    assert response.status_code == 302 and response["Location"].endswith("/step/requester/")
    application = Application.objects.get()
    assert (application.channel, application.entered_by, application.applicant) == ("counter", clerk, None)
    assert application.identity_checked_with == "driving_licence"
    base = f"/applications/{application.public_id}"
    for step, data in STEPS.items():
        assert client.post(f"{base}/step/{step}/", data).status_code == 302
    response = client.post(f"{base}/check/", {"declaration": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.answers["contact"]["phone"] == "03-1234-5678"  # the form's own normalisation
    case = Case.objects.get(application=application)
    assert case.department.code == "koseki_juumin"
    submit = AuditEntry.objects.get(action="application.submit", object_id=str(application.public_id))
    assert submit.actor == f"user/{clerk.public_id}"
    assert AuditEntry.objects.filter(action="application.assisted_start").count() == 1
    page = client.get(f"/staff/cases/{case.public_id}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "窓口" in page


def test_identity_must_be_confirmed_first(make_clerk: Callable[..., User], client: Client) -> None:
    sign_in_with_mfa(client, make_clerk("koseki_juumin"))
    response = start(client, identity_confirmed="")
    assert response.status_code == 200 and Application.objects.count() == 0


def test_a_clerk_of_another_department_can_neither_start_nor_edit_it(
    make_clerk: Callable[..., User], client: Client
) -> None:
    procedure = Procedure.objects.get(code="juminhyo")
    owner = make_clerk("koseki_juumin")
    application = actions.start_assisted_application(
        procedure=procedure, clerk=owner, channel="phone", identity_checked_with="phone_callback"
    )
    outsider = make_clerk("seiso")
    sign_in_with_mfa(client, outsider)
    assert start(client).status_code == 200  # juminhyo is not among their procedures: the form refuses it
    assert Application.objects.count() == 1
    response = client.post(f"/applications/{application.public_id}/step/requester/", STEPS["requester"])
    assert response.status_code == 404


def test_staff_still_never_edit_a_residents_own_draft(
    make_clerk: Callable[..., User], resident: User, client: Client
) -> None:
    draft = actions.start_application(procedure=Procedure.objects.get(code="juminhyo"), user=resident)
    sign_in_with_mfa(client, make_clerk("koseki_juumin"))
    response = client.post(f"/applications/{draft.public_id}/step/requester/", STEPS["requester"])
    assert response.status_code == 404


def test_once_submitted_the_clerk_can_no_longer_change_the_answers(
    make_clerk: Callable[..., User], client: Client
) -> None:
    clerk = make_clerk("koseki_juumin")
    application = actions.start_assisted_application(
        procedure=Procedure.objects.get(code="juminhyo"),
        clerk=clerk,
        channel="counter",
        identity_checked_with="passport",
    )
    assert application.staff_editable
    Application.objects.filter(pk=application.pk).update(status=Application.Status.SUBMITTED)
    application.refresh_from_db()
    assert not application.staff_editable
    sign_in_with_mfa(client, clerk)
    assert client.post(f"/applications/{application.public_id}/step/requester/", STEPS["requester"]).status_code == 404


def test_residents_and_anonymous_visitors_do_not_get_the_counter_page(resident: User, client: Client) -> None:
    assert client.get("/staff/counter/").status_code == 404
    client.force_login(resident)
    assert client.get("/staff/counter/").status_code == 404
