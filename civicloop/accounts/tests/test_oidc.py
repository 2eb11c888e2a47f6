# SPDX-License-Identifier: MPL-2.0
"""Resident sign-in through a real OpenID Connect code flow with PKCE against the demo provider.

The portal and the demo provider run in one live server; every hop is real HTTP, including the
portal's server-to-server token request and its fetch of the provider's keys.
"""

import base64
import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.test import Client

from civicloop.accounts.models import OidcIdentity, User
from civicloop.core.models import AuditEntry
from civicloop.demo import idp
from civicloop.demo.residents import find_resident

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portal(live_server: Any, settings: Any) -> str:
    settings.SITE_URL = live_server.url
    settings.OIDC_ISSUER = f"{live_server.url}/demo-idp"
    return str(live_server.url)


def _csrf(session: requests.Session, html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the page carries a CSRF token"
    return match.group(1)


def _sign_in(portal: str, resident: str = "demo-0002") -> requests.Session:
    session = requests.Session()
    login = session.get(f"{portal}/auth/login/?next=/applications/")
    to_idp = session.post(
        f"{portal}/auth/login/start/",
        data={"csrfmiddlewaretoken": _csrf(session, login.text), "next": "/applications/"},
        headers={"Referer": login.url},
    )
    query = parse_qs(urlparse(to_idp.url).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["response_type"] == ["code"]
    params = {k: v[0] for k, v in query.items()}
    done = session.post(
        to_idp.url.split("?")[0],
        data={**params, "csrfmiddlewaretoken": _csrf(session, to_idp.text), "resident": resident},
        headers={"Referer": to_idp.url},
    )
    assert done.status_code == 200, done.text[:500]
    assert urlparse(done.url).path == "/applications/"
    return session


def test_a_demo_resident_signs_in_through_the_code_flow_with_pkce(portal: str) -> None:
    session = _sign_in(portal)
    page = session.get(f"{portal}/applications/")
    assert "サインアウト" in page.text
    user = User.objects.get(oidc_identities__subject="demo-0002")
    assert user.full_name == "𠮷田 太郎"  # the rare character survives the whole trip
    assert user.kind == User.Kind.RESIDENT
    assert OidcIdentity.objects.get(user=user).issuer == f"{portal}/demo-idp"
    assert AuditEntry.objects.filter(action="sign_in", object_id=str(user.public_id)).exists()


def test_signing_in_again_finds_the_same_resident(portal: str) -> None:
    _sign_in(portal)
    _sign_in(portal)
    assert User.objects.filter(oidc_identities__subject="demo-0002").count() == 1


def test_a_callback_with_a_forged_state_signs_nobody_in(portal: str) -> None:
    session = requests.Session()
    response = session.get(f"{portal}/auth/callback/?code=forged&state=forged")
    assert urlparse(response.url).path == "/auth/login/"
    assert not User.objects.exists()


def test_the_provider_refuses_a_wrong_verifier_a_replayed_code_and_a_wrong_secret(portal: str, settings: Any) -> None:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = f"{portal}/auth/callback/"

    def new_code() -> str:
        resident = find_resident("demo-0001")
        assert resident is not None
        return idp.issue_code(
            resident=resident,
            client_id=settings.OIDC_CLIENT_ID,
            redirect_uri=redirect_uri,
            challenge=challenge,
            nonce="n",
            scope="openid",
        )

    def exchange(
        code: str, *, verifier: str = verifier, secret: str = settings.OIDC_CLIENT_SECRET
    ) -> requests.Response:
        return requests.post(
            f"{portal}/demo-idp/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            auth=(settings.OIDC_CLIENT_ID, secret),
            timeout=10,
        )

    assert exchange(new_code(), verifier="w" * 50).json()["error"] == "invalid_grant"
    assert exchange(new_code(), secret="wrong").json()["error"] == "invalid_client"
    code = new_code()
    assert "id_token" in exchange(code).json()
    assert exchange(code).json()["error"] == "invalid_grant"


def test_the_discovery_document_advertises_pkce_and_rs256(client: Client) -> None:
    document = client.get("/demo-idp/.well-known/openid-configuration").json()
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
