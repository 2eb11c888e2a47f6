# SPDX-License-Identifier: MPL-2.0
"""When resident sign-in cannot start, the resident reads that it is unavailable and the log says why."""

import logging
import socket
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:  # bound and released: nothing listens there a moment later
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_provider_that_does_not_answer_is_logged_with_the_site_url_the_server_was_not_started_on(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # given: the server was started on :8101 while CIVICLOOP_SITE_URL (and so the demo issuer) still names another port
    settings.SITE_URL = f"http://127.0.0.1:{_closed_port()}"
    settings.OIDC_ISSUER = f"{settings.SITE_URL}/demo-idp"
    client = Client(HTTP_HOST="127.0.0.1:8101")

    # when
    with caplog.at_level(logging.WARNING, logger="civicloop.integrations.oidc.client"):
        response = client.post(reverse("accounts:login-start"), {"next": "/applications/"}, follow=True)

    # then
    assert response.redirect_chain[-1][0] == reverse("accounts:login")  # the page says sign-in is unavailable
    [record] = [r for r in caplog.records if "sign-in unavailable" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert settings.OIDC_ISSUER in record.getMessage()
    assert (
        "127.0.0.1:8101" in record.getMessage() and f"CIVICLOOP_SITE_URL is {settings.SITE_URL}" in record.getMessage()
    )


def test_no_configured_provider_is_logged_as_the_reason(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings.OIDC_ISSUER = ""
    with caplog.at_level(logging.WARNING, logger="civicloop.integrations.oidc.client"):
        Client().post(reverse("accounts:login-start"), {"next": "/applications/"})
    assert any("CIVICLOOP_OIDC_ISSUER" in r.getMessage() for r in caplog.records)
