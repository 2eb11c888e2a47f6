# SPDX-License-Identifier: MPL-2.0
"""/healthz, /readyz and /metrics: for load balancers, orchestrators and Prometheus (docs/operations.md)."""

import hmac
import ipaddress
import logging
from dataclasses import asdict

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from civicloop.ops.metrics import scrape
from civicloop.ops.readiness import check_readiness

log = logging.getLogger("civicloop.ops")


@never_cache
@require_safe
def probe_live(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Touches nothing else, so a database outage never restarts it."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def probe_ready(request: HttpRequest) -> JsonResponse:
    """Ready: 200 when every required check passes, else 503; each check with ok, detail and time."""
    readiness = check_readiness()
    if not readiness.ok:
        failed = ", ".join(f"{check.name} ({check.detail})" for check in readiness.checks if check.fails)
        log.warning("not ready: %s", failed)
    body = {
        "status": "ok" if readiness.ok else "unavailable",
        "checks": {check.name: {k: v for k, v in asdict(check).items() if k != "name"} for check in readiness.checks},
    }
    return JsonResponse(body, status=200 if readiness.ok else 503)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus exposition, for allowed networks or the bearer token only."""
    if not may_scrape(request):
        return HttpResponse(
            "403 Forbidden: /metrics answers only to CIVICLOOP_METRICS_ALLOWED_NETWORKS "
            "or with the bearer token CIVICLOOP_METRICS_TOKEN (docs/operations.md).\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    body, content_type = scrape(request.headers.get("Accept", ""))
    return HttpResponse(body, content_type=content_type)


def may_scrape(request: HttpRequest) -> bool:
    """With a token configured, the token or an allowed network; without one, the allowed networks,
    which then default to the loopback addresses only.

    The address is the connecting one (REMOTE_ADDR), never X-Forwarded-For: a header a client can
    write grants nothing here.
    """
    if settings.METRICS_TOKEN:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), settings.METRICS_TOKEN.encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS)
