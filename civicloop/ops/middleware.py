# SPDX-License-Identifier: MPL-2.0
"""Each request counted, timed and, in JSON log mode, written as one access line."""

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from civicloop.ops.metrics import HTTP_LATENCY, HTTP_REQUESTS

access_log = logging.getLogger("civicloop.access")

# The probes and the scrape come every few seconds from machines, not people: counted, never logged.
PROBE_ROUTES = frozenset({"ops:probe-live", "ops:probe-ready", "ops:metrics"})
UNMATCHED = "unmatched"  # no URL pattern matched (a 404, or answered before routing: a redirect to HTTPS)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_name(request: HttpRequest) -> str:
    """The resolved URL's name ("cases:case-detail"), never the path: no id or personal data in a label.

    A pattern without a name gives its view's dotted path, still one value per pattern.
    """
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return str(match.view_name or match.route)


class RequestMetricsMiddleware:
    """Counts and times every request by method, URL name and status (`/metrics`), and logs it.

    Second in MIDDLEWARE, just inside `RequestIdMiddleware`: the time covers the whole stack and
    the access line carries the request id. The route is read on the way out, once Django has
    resolved the URL. Access lines go to the `civicloop.access` logger at INFO, which settings
    let through only in JSON log mode (in text mode the server prints its own access lines).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        method = request.method if request.method in _METHODS else "other"
        route = route_name(request)
        HTTP_REQUESTS.labels(method, route, str(response.status_code)).inc()
        HTTP_LATENCY.labels(method, route).observe(seconds)
        if route not in PROBE_ROUTES:
            self._log(request, method, route, response.status_code, seconds)
        return response

    @staticmethod
    def _log(request: HttpRequest, method: str, route: str, status: int, seconds: float) -> None:
        if not access_log.isEnabledFor(logging.INFO):
            return
        user = getattr(request, "user", None)  # absent when answered before authentication (a redirect)
        user_id = user.pk if user is not None and user.is_authenticated else None
        duration_ms = round(seconds * 1000, 1)
        access_log.info(
            "%s %s %s %.1f ms",
            method,
            route,
            status,
            duration_ms,
            extra={"method": method, "route": route, "status": status, "duration_ms": duration_ms, "user_id": user_id},
        )
