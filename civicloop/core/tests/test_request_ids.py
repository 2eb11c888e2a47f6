# SPDX-License-Identifier: MPL-2.0
"""Every request has an id: in the X-Request-ID response header and on each log record it causes."""

import io
import logging
import re
from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from civicloop.core.request_ids import NO_REQUEST, RequestIdFilter, RequestIdMiddleware, current_request_id

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the configured console handler (settings.LOGGING) writes, captured for one test."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, RequestIdFilter) for f in h.filters))
    assert isinstance(handler, logging.StreamHandler)
    captured = io.StringIO()
    previous = handler.setStream(captured)
    try:
        yield captured
    finally:
        handler.setStream(previous)


def answer(**headers: str) -> HttpResponse:
    """A request through the middleware, as the first in MIDDLEWARE sees it."""
    return RequestIdMiddleware(lambda request: HttpResponse())(RequestFactory().get("/", headers=headers))


def test_a_request_without_an_id_gets_a_new_one_in_the_response_header() -> None:
    first, second = answer()["X-Request-ID"], answer()["X-Request-ID"]
    assert GENERATED.fullmatch(first)
    assert GENERATED.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    "incoming", ["3f2a9c1e-77b0-4c55-9a49-0d2cbd1e4f10", "Root=1-67891233-abcdef012345678912345678"]
)
def test_an_id_set_by_the_proxy_is_kept(incoming: str) -> None:
    assert answer(**{"X-Request-ID": incoming})["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["short", "x" * 129, "two words here", 'quote"inside-it', "-starts-with-a-dash", "カタカナのリクエスト番号です"],
)
def test_an_id_that_is_not_a_plain_token_is_replaced(incoming: str) -> None:
    assert GENERATED.fullmatch(answer(**{"X-Request-ID": incoming})["X-Request-ID"])


def test_every_response_of_the_site_carries_one(db: None) -> None:
    assert GENERATED.fullmatch(Client().get("/no-such-page/")["X-Request-ID"])


def test_a_record_logged_while_a_request_is_handled_carries_its_id(console: io.StringIO) -> None:
    def view(request: HttpRequest) -> HttpResponse:
        logging.getLogger("civicloop.test").warning("inside the view")
        return HttpResponse()

    request = RequestFactory().get("/", headers={"X-Request-ID": "probe-0000-1111"})
    response = RequestIdMiddleware(view)(request)

    assert response["X-Request-ID"] == "probe-0000-1111"
    assert "[probe-0000-1111] inside the view" in console.getvalue()
    assert current_request_id() == NO_REQUEST  # and it ends with the request


def test_outside_a_request_records_carry_a_dash(console: io.StringIO) -> None:
    logging.getLogger("civicloop.test").warning("from a command")
    assert current_request_id() == NO_REQUEST
    assert f"[{NO_REQUEST}] from a command" in console.getvalue()


def test_djangos_own_line_about_an_error_answer_carries_the_id_too(console: io.StringIO, db: None) -> None:
    # django.request logs a 4xx/5xx after the middleware returned, outside the request's context.
    Client().get("/no-such-page/", headers={"X-Request-ID": "probe-2222-3333"})
    assert "WARNING django.request [probe-2222-3333] Not Found: /no-such-page/" in console.getvalue()
