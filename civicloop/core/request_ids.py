# SPDX-License-Identifier: MPL-2.0
"""One id per request, in the `X-Request-ID` response header and on every log record of the request.

A proxy or load balancer that already set `X-Request-ID` keeps its id, so one request reads the
same in the proxy's log and ours; anything that is not a plain token (spaces, quotes, control
characters, over 128 characters) is replaced, so a client cannot write into our log lines with it.
The id lives in a context variable, so the logging filter below finds it without being handed
the request, in sync and async code alike.
"""

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
NO_REQUEST = "-"  # what a record logged outside a request (the worker, a command) carries

_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{7,127}")
_current: ContextVar[str] = ContextVar("civicloop_request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being handled in this context, or "-" outside a request."""
    return _current.get()


def request_id_from(incoming: str | None) -> str:
    """The incoming id if it is a sane token (8–128 of letters, digits and `._:=+/-`), else a new one."""
    if incoming and _SANE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Gives each request its id (`request.request_id`) and returns it in the `X-Request-ID` header.

    First in MIDDLEWARE, so every record logged while the request is handled, by any middleware
    or view, carries the id.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response.headers[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record that passes the handler it is attached to (settings.LOGGING)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs a 4xx/5xx answer (`django.request`) after the middleware has returned,
            # outside the request's context, but hands the request along with the record.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or _current.get()
        return True
