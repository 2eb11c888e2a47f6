# SPDX-License-Identifier: MPL-2.0
"""require_recent_auth: a sensitive view runs only within max_age_s of the last second factor."""

import time

import pytest
from django.test import Client

from civicloop.accounts.models import User
from civicloop.accounts.reauth import require_recent_auth
from civicloop.accounts.testing import give_totp, sign_in_with_mfa
from civicloop.accounts.tests import reauth_urls
from civicloop.accounts.tests.helpers import totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.urls("civicloop.accounts.tests.reauth_urls")]

URL = "/test/sensitive/"
REAUTH = "/staff/account/2fa/reauthenticate/"


def test_a_second_factor_within_the_age_lets_the_view_run(clerk: User) -> None:
    client = sign_in_with_mfa(Client(), clerk, at=time.time() - 30)
    assert client.get(URL).content == b"done GET"


def test_an_older_second_factor_asks_for_it_again_and_then_resumes_the_post(clerk: User) -> None:
    # given a clerk whose last second factor was two minutes ago (the view wants one minute)
    secret = give_totp(clerk)
    client = sign_in_with_mfa(Client(), clerk, at=time.time() - 120)
    reauth_urls.DONE.clear()
    # when they post to the sensitive view, nothing happens yet: they are asked for a code
    response = client.post(URL, {"what": "approve"})
    assert response.status_code == 302 and response.headers["Location"] == f"{REAUTH}?next=%2Ftest%2Fsensitive%2F"
    assert reauth_urls.DONE == []
    # then, with the code, the kept POST goes through once, with its data
    resumed = client.post(response.headers["Location"], {"code": totp_code(secret)})
    assert resumed.content == b"done POST"
    assert reauth_urls.DONE == ["approve"]
    assert client.get(URL).content == b"done GET"  # and for the next minute no more questions


def test_a_wrong_code_does_not_resume_the_request(clerk: User) -> None:
    secret = give_totp(clerk)
    client = sign_in_with_mfa(Client(), clerk, at=time.time() - 120)
    reauth_urls.DONE.clear()
    location = client.post(URL, {"what": "approve"}).headers["Location"]
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    assert client.post(location, {"code": wrong}).status_code == 200
    assert reauth_urls.DONE == []


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(db: None) -> None:
    response = Client().get(URL)
    assert response.headers["Location"] == "/staff/login/?next=/test/sensitive/"


def test_a_non_positive_age_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        require_recent_auth(0)
