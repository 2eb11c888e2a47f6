# SPDX-License-Identifier: MPL-2.0
"""Rate limits: submissions, document verification and routing suggestions (docs/security.md, "Rate limits").

Staff sign-in failures are limited by allauth itself (ACCOUNT_RATE_LIMITS). The rest is limited here,
per signed-in user or per address for guests, in fixed windows kept in Django's cache. A request
first takes its place — `cache.add` opens the window, `cache.incr` returns the request's number
atomically — and only then is that number compared with the limit. Checking first and counting
afterwards let 36 of 40 parallel submissions through a limit of 10: all of them looked before any
was counted. The count is shared by every process only when the cache is (CIVICLOOP_CACHE_URL,
Redis); the default memory cache counts per process.

Submissions count what was actually submitted: a form sent back with errors, or a retry that
returns the application already made, gives its place back.
"""

import time
from collections.abc import Callable
from contextlib import suppress
from functools import wraps
from typing import Any, TypeVar

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicloop.core.api_errors import error_body

View = TypeVar("View", bound=Callable[..., Any])

SUBMISSIONS_MESSAGE = _(
    "Too many applications in a short time. Nothing was submitted; try again in %(minutes)s minutes."
)
REQUESTS_MESSAGE = _("Too many requests in a short time. Try again in %(minutes)s minutes.")


def _client_key(request: HttpRequest) -> str:
    user = request.user
    if user.is_authenticated:
        # The public id, not the primary key: keys never collide with another database's users.
        return f"user:{getattr(user, 'public_id', user.pk)}"
    # allauth's reading of the client address, so ALLAUTH_TRUSTED_PROXY_COUNT applies here too.
    return f"ip:{get_account_adapter(request).get_client_ip(request)}"


def _take(request: HttpRequest, action: str, *, limit: int, window_s: int) -> tuple[str, int]:
    """Count this request in the current window: its cache key, and 0 within `limit`, else the seconds left."""
    return take_place(action, _client_key(request), limit=limit, window_s=window_s)


def take_place(action: str, client: str, *, limit: int, window_s: int) -> tuple[str, int]:
    """Count one request of `client` (any stable key: a user, an API client) for `action` in this window.

    Returns the window's cache key and 0 while within `limit`, else the seconds until the window ends.
    """
    now = time.time()
    key = f"civicloop:rl:{action}:{client}:{int(now // window_s)}"
    cache.add(key, 0, timeout=window_s + 1)
    try:
        number = int(cache.incr(key))
    except ValueError:  # evicted between add and incr (a key otherwise outlives its window): open it again
        cache.add(key, 0, timeout=window_s + 1)
        number = int(cache.incr(key))
    return key, 0 if number <= limit else max(1, int(window_s - now % window_s))


def _give_back(key: str) -> None:
    with suppress(ValueError):  # the window has gone: nothing left to give back
        cache.decr(key)


def too_many(
    request: HttpRequest, seconds: int, *, json: bool, message: str | Promise = REQUESTS_MESSAGE
) -> HttpResponse:
    """429 with Retry-After, as JSON for the API or a page, in the visitor's language."""
    text = str(message) % {"minutes": max(1, (seconds + 59) // 60)}
    response: HttpResponse
    if json:
        response = JsonResponse(error_body(429, "too_many_requests", message=text, retry_after=seconds), status=429)
    else:
        response = render(request, "accounts/rate_limited.html", {"message": text}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def limit_submissions(*, json: bool = False) -> Callable[[View], View]:
    """Refuse a submission with 429 once the visitor has submitted the limit in this window (0: no limit).

    The view's answer to a successful submission is what is counted: 201 from the API, the redirect
    to the receipt page from the form. Any other answer gives its place back.
    """
    submitted = {201} if json else {302}

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            # Guests share addresses (mobile carriers' NAT, a library's network): a larger allowance.
            limit = (
                settings.SUBMISSION_RATE_LIMIT
                if request.user.is_authenticated
                else settings.SUBMISSION_RATE_LIMIT_GUEST
            )
            if request.method != "POST" or not limit:
                return view(request, *args, **kwargs)
            key, seconds = _take(request, "submit_application", limit=limit, window_s=settings.SUBMISSION_RATE_WINDOW_S)
            if seconds:
                _give_back(key)
                return too_many(request, seconds, json=json, message=SUBMISSIONS_MESSAGE)
            result = None
            try:
                result = view(request, *args, **kwargs)
            finally:
                if getattr(result, "status_code", None) not in submitted:
                    _give_back(key)
            return result

        return wrapper  # type: ignore[return-value]

    return decorator


def limit_requests(
    action: str, *, limit_setting: str, json: bool, counts: Callable[[HttpRequest], bool]
) -> Callable[[View], View]:
    """Refuse with 429 once the visitor has made `settings.<limit_setting>` counted requests in this window.

    Every request for which `counts(request)` holds takes a place, whatever the view answers: these
    limits protect the server's work, which is spent either way. The window is PUBLIC_RATE_WINDOW_S.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            limit = int(getattr(settings, limit_setting))
            if limit and counts(request):
                _key, seconds = _take(request, action, limit=limit, window_s=settings.PUBLIC_RATE_WINDOW_S)
                if seconds:
                    return too_many(request, seconds, json=json)
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
