# SPDX-License-Identifier: MPL-2.0
"""The demo provider sends codes only to a registered redirect URI, compared as a whole string."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from civicloop.demo.models import DemoGrant

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
CALLBACK = f"{SITE}/auth/callback/"
STAFF_CALLBACK = f"{SITE}/staff/account/oidc/municipality/login/callback/"

HOSTILE = [
    "http://127.0.0.1:8000.evil.example/cb",  # the site URL as a prefix of another host
    "http://127.0.0.1:8000@evil.example/cb",  # the site URL as userinfo
    "http://127.0.0.1:8000@evil.example/auth/callback/",
    "http://127.0.0.1:8000\\@evil.example/auth/callback/",
    "http://user@127.0.0.1:8000/auth/callback/",  # userinfo before the right host
    "HTTP://127.0.0.1:8000/auth/callback/",  # case
    "http://127.0.0.1:8000/AUTH/CALLBACK/",
    "http://127.0.0.1:8000/auth/callback/extra",  # trailing path
    "http://127.0.0.1:8000/auth/callback/../../i18n/setlang/",
    "http://127.0.0.1:8000/auth/callback",  # the slash missing
    "http://127.0.0.1:8000/",  # another page of the site
    "http://127.0.0.1:8000/auth/callback/?next=https://evil.example/",  # query
    "http://127.0.0.1:8000/auth/callback/#https://evil.example/",  # fragment
    "http://127.0.0.1:8000/auth/callback/ ",
    "http://127.0.0.1:8001/auth/callback/",  # port
    "http://127.0.0.1/auth/callback/",
    "https://127.0.0.1:8000/auth/callback/",  # scheme
    "",
]


@pytest.fixture
def site(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = SITE
    settings.STAFF_OIDC_ISSUER = ""


def _params(redirect_uri: str, client_id: str = "civicloop-portal") -> dict[str, str]:
    return {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": "openid",
        "state": "s",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
    }


@pytest.mark.parametrize("redirect_uri", HOSTILE)
def test_a_redirect_uri_other_than_the_registered_one_gets_no_code(
    site: None, client: Client, redirect_uri: str
) -> None:
    assert client.get("/demo-idp/authorize", _params(redirect_uri)).status_code == 400
    chose = client.post("/demo-idp/authorize", {**_params(redirect_uri), "resident": "demo-0001"})
    assert chose.status_code == 400
    assert "Location" not in chose
    assert not DemoGrant.objects.exists()


def test_the_registered_redirect_uri_gets_the_code(site: None, client: Client) -> None:
    assert client.get("/demo-idp/authorize", _params(CALLBACK)).status_code == 200
    chose = client.post("/demo-idp/authorize", {**_params(CALLBACK), "resident": "demo-0001"})
    assert chose.status_code == 302
    target = urlsplit(chose["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == CALLBACK
    assert parse_qs(target.query)["state"] == ["s"]
    assert DemoGrant.objects.get().redirect_uri == CALLBACK


def test_an_unknown_client_gets_no_code(site: None, client: Client) -> None:
    assert client.get("/demo-idp/authorize", _params(CALLBACK, client_id="someone-else")).status_code == 400


def test_the_staff_callback_is_registered_only_while_the_demo_stands_in_for_the_directory(
    site: None, client: Client, settings: Any
) -> None:
    assert client.get("/demo-idp/authorize", _params(STAFF_CALLBACK)).status_code == 400
    settings.STAFF_OIDC_ISSUER = f"{SITE}/demo-idp"
    assert client.get("/demo-idp/authorize", _params(STAFF_CALLBACK)).status_code == 200
