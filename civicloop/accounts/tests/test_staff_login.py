# SPDX-License-Identifier: MPL-2.0
"""Staff sign in at /staff/login/ with a password and then a TOTP code; residents cannot."""

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.accounts.tests.conftest import PASSWORD
from civicloop.accounts.tests.helpers import totp_code
from civicloop.core.models import AuditEntry, Event

pytestmark = pytest.mark.django_db

MFA_URL = "/staff/account/2fa/authenticate/"


def _password(client: Client, username: str, password: str = PASSWORD, next_url: str = "") -> str:
    data = {"login": username, "password": password}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("cases:staff-login"), data)
    return response.headers.get("Location", "") if response.status_code == 302 else response.content.decode()


def test_a_clerk_signs_in_with_password_and_totp_and_reaches_the_inbox(
    staff_with_password: User, totp_secret: str
) -> None:
    # given a clerk with a TOTP app
    client = Client()
    # when they give their password, they are asked for the code, not yet signed in
    assert _password(client, "clerk") == MFA_URL
    assert client.get(reverse("cases:case-list")).status_code == 302
    # and when they give the code from their app
    response = client.post(MFA_URL, {"code": totp_code(totp_secret)})
    # then they land in the inbox, and the sign-in is an event and an audit entry
    assert response.headers["Location"] == reverse("cases:case-list")
    assert client.get(reverse("cases:case-list")).status_code == 200
    event = Event.objects.get(type="jp.lg.civicloop.staff.signed_in")
    assert event.subject == f"user/{staff_with_password.public_id}"
    assert event.data == {"methods": ["password", "mfa"], "factor": "totp"}
    assert AuditEntry.objects.filter(action="sign_in", object_id=str(staff_with_password.public_id)).exists()


def test_the_page_asked_for_before_signing_in_is_where_the_clerk_lands(
    staff_with_password: User, totp_secret: str
) -> None:
    client = Client()
    assert client.get("/staff/devices/").headers["Location"].startswith("/staff/login/?next=")
    assert _password(client, "clerk", next_url="/staff/devices/").startswith(MFA_URL)
    response = client.post(MFA_URL, {"code": totp_code(totp_secret)})
    assert response.headers["Location"] == "/staff/devices/"


def test_a_wrong_code_keeps_the_clerk_out(staff_with_password: User, totp_secret: str) -> None:
    client = Client()
    _password(client, "clerk")
    wrong = f"{(int(totp_code(totp_secret)) + 1) % 1_000_000:06d}"
    response = client.post(MFA_URL, {"code": wrong})
    assert response.status_code == 200
    assert client.get(reverse("cases:case-list")).status_code == 302
    assert not Event.objects.filter(type="jp.lg.civicloop.staff.signed_in").exists()


def test_a_code_cannot_be_used_twice(staff_with_password: User, totp_secret: str) -> None:
    code = totp_code(totp_secret)
    first = Client()
    _password(first, "clerk")
    assert first.post(MFA_URL, {"code": code}).status_code == 302
    second = Client()
    _password(second, "clerk")
    assert second.post(MFA_URL, {"code": code}).status_code == 200  # refused: replayed code


def test_a_resident_cannot_sign_in_through_the_staff_form(resident: User) -> None:
    # given a resident who somehow has a password
    resident.set_password(PASSWORD)
    resident.save()
    client = Client()
    # when they try the staff form, they get the same answer as a wrong password
    page = _password(client, resident.username)
    wrong = _password(Client(), resident.username, "not-the-password")
    assert "error-summary" in page and page.count("error-summary__list") == wrong.count("error-summary__list")
    assert "_auth_user_id" not in client.session
    assert not Event.objects.filter(type="jp.lg.civicloop.staff.signed_in").exists()


def test_failed_sign_ins_lock_the_account_for_a_while(staff_with_password: User, totp_secret: str) -> None:
    client = Client()
    for _attempt in range(5):
        assert "error-summary" in _password(client, "clerk", "wrong-password")
    # the right password no longer helps until the lockout ends
    page = _password(client, "clerk")
    assert "error-summary" in page
    assert "サインイン失敗が連続しています" in page  # our wording, not the library's ログイン


def test_the_admin_sign_in_is_the_staff_sign_in() -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/login/?next=/admin/"


def test_nobody_signs_up(db: None) -> None:
    response = Client().get("/staff/account/signup/")
    assert response.headers["Location"] == reverse("cases:staff-login")


def test_the_staff_sign_in_page_offers_single_sign_on_only_when_configured(settings: object) -> None:
    page = Client().get(reverse("cases:staff-login"))
    assert "/staff/account/oidc/" not in page.content.decode()
    settings.STAFF_OIDC_ISSUER = "https://directory.city.example"  # type: ignore[attr-defined]
    page = Client().get(reverse("cases:staff-login"))
    assert "/staff/account/oidc/municipality/login/" in page.content.decode()
    # the button's POST is answered with a redirect to the directory: this page's CSP allows it
    assert "https://directory.city.example" in page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
