# SPDX-License-Identifier: MPL-2.0
"""The staff pages carry the site's security headers: CSP without inline script, no framing, HSTS."""

import pytest
from django.test import Client

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa

pytestmark = pytest.mark.django_db


def _assert_locked_down(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    html = response.content.decode()  # type: ignore[attr-defined]
    assert "<script>" not in html and " onclick=" not in html


@pytest.fixture
def https(settings: object) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000  # type: ignore[attr-defined]
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True  # type: ignore[attr-defined]


def test_the_staff_pages_are_locked_down(https: None, clerk: User) -> None:
    _assert_locked_down(Client().get("/staff/login/", secure=True))
    client = sign_in_with_mfa(Client(), clerk)
    pages = (
        "/staff/devices/",
        "/staff/account/2fa/",
        "/staff/account/2fa/webauthn/",
        "/staff/account/2fa/reauthenticate/",
    )
    for path in (*pages, "/staff/account/password/change/"):
        response = client.get(path, secure=True)
        assert response.status_code == 200, path
        _assert_locked_down(response)
