# SPDX-License-Identifier: MPL-2.0
"""A rate limit on submitting applications: per signed-in user, or per address for guests.

Staff sign-in failures are limited by allauth itself (ACCOUNT_RATE_LIMITS). Submissions are
limited here: what is counted is applications actually submitted (a created application), so a
form sent back with errors, or a retry that returns the application already made, costs nothing.
Counts are kept in Django's cache in fixed windows — `cache.add` starts a window and `cache.incr`
counts atomically — so the limit holds across processes once the cache is shared (Redis or
memcached in production; the default local-memory cache counts per process).
"""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

View = TypeVar("View", bound=Callable[..., Any])


def _client_key(request: HttpRequest) -> str:
    user = request.user
    if user.is_authenticated:
        # The public id, not the primary key: keys never collide with another database's users.
        return f"user:{getattr(user, 'public_id', user.pk)}"
    # allauth's reading of the client address, so ALLAUTH_TRUSTED_PROXY_COUNT applies here too.
    return f"ip:{get_account_adapter(request).get_client_ip(request)}"


def _window_key(request: HttpRequest, action: str, window_s: int) -> tuple[str, int]:
    """The cache key of the current window and the seconds left in it."""
    now = time.time()
    window = int(now // window_s)
    left = max(1, int(window_s - now % window_s))
    return f"civicloop:rl:{action}:{_client_key(request)}:{window}", left


def retry_after(request: HttpRequest, action: str, *, limit: int, window_s: int) -> int:
    """0 while under `limit` in this window, else the seconds until the window ends."""
    key, left = _window_key(request, action, window_s)
    return left if int(cache.get(key, 0)) >= limit else 0


def count(request: HttpRequest, action: str, *, window_s: int) -> None:
    key, _left = _window_key(request, action, window_s)
    cache.add(key, 0, timeout=window_s + 1)
    try:
        cache.incr(key)
    except ValueError:  # the window expired between add and incr: this starts the next one
        cache.set(key, 1, timeout=window_s + 1)


def too_many(request: HttpRequest, seconds: int, *, json: bool) -> HttpResponse:
    """429 with Retry-After, as JSON for the API or a page, in the visitor's language."""
    message = _("Too many applications in a short time. Nothing was submitted; try again in %(minutes)s minutes.") % {
        "minutes": max(1, (seconds + 59) // 60)
    }
    response: HttpResponse
    if json:
        response = JsonResponse({"detail": message, "retry_after": seconds}, status=429)
    else:
        response = render(request, "accounts/rate_limited.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def limit_submissions(*, json: bool = False) -> Callable[[View], View]:
    """Refuse a submission with 429 once the visitor has submitted the limit in this window (0: no limit).

    The view's answer to a successful submission is what is counted: 201 from the API, the redirect
    to the receipt page from the form.
    """
    submitted = {201} if json else {302}

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method != "POST":
                return view(request, *args, **kwargs)
            # Guests share addresses (mobile carriers' NAT, a library's network): a larger allowance.
            limit = (
                settings.SUBMISSION_RATE_LIMIT
                if request.user.is_authenticated
                else settings.SUBMISSION_RATE_LIMIT_GUEST
            )
            window_s = settings.SUBMISSION_RATE_WINDOW_S
            if limit and (seconds := retry_after(request, "submit_application", limit=limit, window_s=window_s)):
                return too_many(request, seconds, json=json)
            result = view(request, *args, **kwargs)
            if limit and getattr(result, "status_code", None) in submitted:
                count(request, "submit_application", window_s=window_s)
            return result

        return wrapper  # type: ignore[return-value]

    return decorator
