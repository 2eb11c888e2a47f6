# SPDX-License-Identifier: MPL-2.0
"""Staff single sign-on with the municipality's directory (OIDC), against the demo provider over real HTTP.

The demo provider stands in for the directory: it lets anyone choose a person, whose e-mail
address links them to a staff account here. The second factor is still asked for afterwards.
"""

import re
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.core.cache import cache

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import give_totp
from civicloop.accounts.tests.helpers import totp_code
from civicloop.core.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def directory(live_server, settings, catalog: None) -> str:  # type: ignore[no-untyped-def]
    """The demo provider of the live server, configured as the staff directory."""
    cache.clear()
    issuer = f"{live_server.url}/demo-idp"
    settings.SITE_URL = live_server.url
    settings.OIDC_ISSUER = issuer
    settings.STAFF_OIDC_ISSUER = issuer
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "municipality",
                    "name": "職員ディレクトリ",
                    "client_id": settings.OIDC_CLIENT_ID,
                    "secret": settings.OIDC_CLIENT_SECRET,
                    "settings": {"server_url": issuer, "token_auth_method": "client_secret_post"},
                }
            ],
        }
    }
    return str(live_server.url)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the page carries a CSRF token"
    return match.group(1)


def _through_the_directory(site: str, person: str) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    login = session.get(f"{site}/staff/login/")
    assert "/staff/account/oidc/municipality/login/" in login.text
    to_directory = session.post(
        f"{site}/staff/account/oidc/municipality/login/",
        data={"csrfmiddlewaretoken": _csrf(login.text), "process": "login"},
        headers={"Referer": login.url},
    )
    query = parse_qs(urlparse(to_directory.url).query)
    assert urlparse(to_directory.url).path == "/demo-idp/authorize"
    assert query["code_challenge_method"] == ["S256"]
    params = {k: v[0] for k, v in query.items()}
    back = session.post(
        to_directory.url.split("?")[0],
        data={**params, "csrfmiddlewaretoken": _csrf(to_directory.text), "resident": person},
        headers={"Referer": to_directory.url},
    )
    return session, back


def test_a_clerk_signs_on_through_the_directory_then_gives_the_second_factor(directory: str) -> None:
    # given a clerk whose directory e-mail is hanako@example.jp, with a TOTP app
    clerk = User.objects.create(username="sso-clerk", kind=User.Kind.STAFF, email="Hanako@example.jp")
    clerk.departments.add(Department.objects.get(code="seiso"))
    secret = give_totp(clerk)
    # when they sign on through the directory
    session, back = _through_the_directory(directory, "demo-0001")
    # then they are asked for the second factor before anything else
    assert urlparse(back.url).path == "/staff/account/2fa/authenticate/"
    done = session.post(
        back.url,
        data={"csrfmiddlewaretoken": _csrf(back.text), "code": totp_code(secret)},
        headers={"Referer": back.url},
    )
    assert urlparse(done.url).path == "/staff/inbox/" and done.status_code == 200
    event = Event.objects.get(type="jp.lg.civicloop.staff.signed_in")
    assert event.subject == f"user/{clerk.public_id}"
    assert event.data["methods"] == ["socialaccount", "mfa"]


def test_a_directory_person_without_a_staff_account_is_turned_away(directory: str) -> None:
    # given a resident account with the same e-mail as the person the directory vouches for
    User.objects.create(username="resident-x", kind=User.Kind.RESIDENT, email="taro@example.jp")
    session, back = _through_the_directory(directory, "demo-0002")
    assert urlparse(back.url).path == "/staff/login/"
    assert "_auth_user_id" not in session.cookies.get_dict()
    assert session.get(f"{directory}/staff/inbox/").url.startswith(f"{directory}/staff/login/")
    assert not Event.objects.filter(type="jp.lg.civicloop.staff.signed_in").exists()
