# SPDX-License-Identifier: MPL-2.0
"""Re-authentication before sensitive actions (a decision, an approval, raising a classification).

    @login_required(login_url="cases:staff-login")
    @require_POST
    @require_recent_auth(300)
    def decision(request, public_id): ...

A member of staff whose last second factor (at sign-in or a re-authentication) is older than
`max_age_s` is sent to allauth's re-authentication page (their TOTP app or security key); a POST is
kept in the session meanwhile and replayed once they have confirmed, so no form input is lost.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from allauth.core.exceptions import ReauthenticationRequired
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from civicloop.accounts.mfa import authenticated_within

View = TypeVar("View", bound=Callable[..., HttpResponse])


def require_recent_auth(max_age_s: int = 300) -> Callable[[View], View]:
    """Let the view run only if the user completed a second factor in the last `max_age_s` seconds."""
    if max_age_s <= 0:
        raise ValueError("max_age_s must be positive")

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("cases:staff-login"))
            if not authenticated_within(request, max_age_s):
                # allauth's AccountMiddleware answers this: it keeps a POST in the session, shows
                # the re-authentication page and replays the request afterwards.
                raise ReauthenticationRequired()
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
