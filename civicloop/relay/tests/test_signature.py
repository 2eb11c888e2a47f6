# SPDX-License-Identifier: MPL-2.0
"""core.webhooks: the signature scheme and delivery, against a real HTTP server on 127.0.0.1."""

import hmac
import socket
import time
from typing import Any

import pytest

from civicloop.core import webhooks

SECRET = "s3cret-for-tests"
BODY = b'{"id":"1","type":"jp.lg.civicloop.case.opened"}'


def test_the_signature_is_hmac_sha256_over_the_timestamp_and_body() -> None:
    header = webhooks.sign_payload(SECRET, BODY, 1764150000)
    expected = hmac.new(SECRET.encode(), b"1764150000." + BODY, "sha256").hexdigest()
    assert header == f"t=1764150000,v1={expected}"


def test_verify_accepts_its_own_signature_within_the_tolerance() -> None:
    header = webhooks.sign_payload(SECRET, BODY, 1000)
    assert webhooks.verify(SECRET, BODY, header, tolerance_s=300, now=1200)


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [
        ("another-secret", BODY, 1000),  # wrong key
        (SECRET, BODY + b" ", 1000),  # body changed
        (SECRET, BODY, 1000 + 301),  # replayed after the tolerance
        (SECRET, BODY, 1000 - 301),  # from the future
    ],
)
def test_verify_refuses_a_wrong_key_a_changed_body_or_a_stale_timestamp(secret: str, body: bytes, now: int) -> None:
    header = webhooks.sign_payload(SECRET, BODY, 1000)
    assert not webhooks.verify(secret, body, header, tolerance_s=300, now=now)


@pytest.mark.parametrize("header", ["", "garbage", "t=abc,v1=00", "v1=00", "t=1000"])
def test_verify_refuses_malformed_headers(header: str) -> None:
    assert not webhooks.verify(SECRET, BODY, header, tolerance_s=300, now=1000)


def test_verify_accepts_any_of_several_signatures_during_a_secret_rotation() -> None:
    old = webhooks.sign_payload("old-secret", BODY, 1000)
    new = webhooks.sign_payload(SECRET, BODY, 1000).split(",")[1]
    assert webhooks.verify(SECRET, BODY, f"{old},{new}", tolerance_s=300, now=1000)


def test_deliver_posts_the_signed_body_that_the_receiver_can_verify(receiver: Any) -> None:
    status, detail = webhooks.deliver(receiver.url, SECRET, BODY)
    assert status == 200 and detail.startswith("200")
    [request] = receiver.requests
    assert request.body == BODY
    assert request.headers["content-type"] == "application/json"
    assert webhooks.verify(SECRET, request.body, request.headers["civicloop-signature"], tolerance_s=60)
    assert abs(int(request.headers["civicloop-signature"].split(",")[0][2:]) - time.time()) < 60


def test_deliver_reports_the_receivers_error_status(receiver: Any) -> None:
    receiver.statuses.append(503)
    status, detail = webhooks.deliver(receiver.url, SECRET, BODY)
    assert status == 503
    assert detail.startswith("503")


def test_deliver_returns_none_for_a_refused_connection_instead_of_raising() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    status, detail = webhooks.deliver(f"http://127.0.0.1:{port}/", SECRET, BODY, timeout=1.0)
    assert status is None
    assert "ConnectionError" in detail


def test_deliver_refuses_urls_that_are_not_http() -> None:
    status, detail = webhooks.deliver("file:///etc/passwd", SECRET, BODY)
    assert status is None and detail.startswith("refused")
