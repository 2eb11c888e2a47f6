# SPDX-License-Identifier: MPL-2.0
"""A second factor is required for staff before any staff page; residents are not affected."""

import json
import time

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from civicloop.accounts.actions import issue_mfa_invitation
from civicloop.accounts.models import User
from civicloop.accounts.testing import give_totp, sign_in_with_mfa
from civicloop.accounts.tests.conftest import PASSWORD
from civicloop.accounts.tests.helpers import totp_code
from civicloop.core.models import Event

pytestmark = pytest.mark.django_db

REDEEM = "staff_account:mfa-invitation-redeem"


def _signed_in_with_password_only(user: User) -> Client:
    client = Client()
    response = client.post(reverse("cases:staff-login"), {"login": user.username, "password": PASSWORD})
    assert response.headers["Location"] == reverse("cases:case-list")  # no second factor to ask for yet
    return client


def test_staff_without_a_second_factor_are_sent_to_set_one_up(staff_with_password: User) -> None:
    client = _signed_in_with_password_only(staff_with_password)
    # without an invitation: to the page that asks for one
    for path in (reverse("cases:case-list"), "/staff/devices/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == reverse(REDEEM), path
    api = client.get("/api/applications")
    assert api.status_code == 403 and "second factor" in api.json()["detail"]
    # with one: to the set-up pages, which stay open
    _, code = issue_mfa_invitation(user=staff_with_password, by=None)
    client.post(reverse(REDEEM), {"code": code})
    assert client.get(reverse("cases:case-list")).headers["Location"] == reverse("mfa_index")
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


@pytest.mark.django_db(transaction=True)  # allauth reports the new factor after commit, inside the request
def test_enrolling_a_totp_app_opens_the_inbox_and_is_recorded(staff_with_password: User) -> None:
    # given a clerk just signed in with a password and their invitation, shown the TOTP set-up page
    client = _signed_in_with_password_only(staff_with_password)
    _, code = issue_mfa_invitation(user=staff_with_password, by=None)
    client.post(reverse(REDEEM), {"code": code})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200 and 'src="data:image/svg+xml;base64,' in page.content.decode()
    secret = client.session["mfa.totp.secret"]
    # when they type the code their app shows
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    # then the app is their second factor, with recovery codes, and the inbox opens
    assert response.status_code == 302
    assert set(Authenticator.objects.filter(user=staff_with_password).values_list("type", flat=True)) == {
        "totp",
        "recovery_codes",
    }
    assert client.get(reverse("cases:case-list")).status_code == 200
    enrolled = Event.objects.filter(type="jp.lg.civicloop.staff.mfa_enrolled").values_list("data", flat=True)
    assert {"factor": "totp"} in list(enrolled)


def test_staff_whose_session_skipped_the_second_factor_are_asked_for_it(clerk: User) -> None:
    # given a clerk with a TOTP app whose session was made without it (e.g. another sign-in path)
    secret = give_totp(clerk)
    client = Client()
    client.force_login(clerk)
    # when they open the inbox they are asked for the code first, then sent back
    response = client.get(reverse("cases:case-list"))
    assert response.headers["Location"] == f"{reverse('mfa_reauthenticate')}?next=%2Fstaff%2Finbox%2F"
    confirmed = client.post(response.headers["Location"], {"code": totp_code(secret)})
    assert confirmed.headers["Location"] == reverse("cases:case-list")
    assert client.get(reverse("cases:case-list")).status_code == 200


def test_residents_are_not_asked_for_a_second_factor(resident_client: Client) -> None:
    assert resident_client.get(reverse("applications:application-list")).status_code == 200


def test_a_staff_session_that_passed_the_second_factor_reaches_the_inbox(clerk: User) -> None:
    client = sign_in_with_mfa(Client(), clerk, at=time.time() - 3600)
    assert client.get(reverse("cases:case-list")).status_code == 200


def test_adding_a_security_key_starts_with_the_right_creation_options(clerk: User) -> None:
    # given a clerk who signed in with TOTP moments ago, re-authenticated for the change
    client = sign_in_with_mfa(Client(), clerk)
    secret = give_totp(clerk)
    add_url = reverse("mfa_add_webauthn")
    first = client.get(add_url)
    assert first.headers["Location"].startswith(reverse("mfa_reauthenticate"))  # changes need a fresh factor
    client.post(first.headers["Location"], {"code": totp_code(secret)})
    # when they open the page to add a security key
    page = client.get(add_url)
    # then the WebAuthn creation options name this site and this user, with a fresh challenge
    assert page.status_code == 200
    options = page.context["js_data"]["creation_options"]["publicKey"]
    assert options["rp"] == {"id": "testserver", "name": "渋谷区 civicloop"}
    assert options["user"]["name"] == clerk.username
    assert options["user"]["displayName"]
    assert len(options["challenge"]) >= 16
    assert {p["alg"] for p in options["pubKeyCredParams"]} >= {-7, -257}  # ES256, RS256
    assert options["authenticatorSelection"]["residentKey"] == "discouraged"
    assert "mfa.webauthn.state" in client.session  # the challenge is kept to check the answer against
    html = page.content.decode()
    blob = html.split('<script id="js_data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(blob)["creation_options"]["publicKey"]["challenge"] == options["challenge"]
    assert "<script>" not in html  # data only, no inline script: the CSP forbids it
