# SPDX-License-Identifier: MPL-2.0
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.accounts.actions import sign_in_resident
from civicloop.integrations.oidc.client import OidcError, finish_sign_in, start_sign_in

_NEXT_KEY = "civicloop_next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("applications:my-list")


def login_page(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.GET.get("next"))
    return render(request, "accounts/login.html", {"next": next_url, "issuer_configured": bool(settings.OIDC_ISSUER)})


@require_POST
def login_start(request: HttpRequest) -> HttpResponse:
    request.session[_NEXT_KEY] = _safe_next(request, request.POST.get("next"))
    try:
        return start_sign_in(request, request.build_absolute_uri(reverse("accounts:callback")))
    except OidcError:
        messages.error(request, _("The sign-in service is not available right now. Please try again later."))
        return redirect("accounts:login")


def callback(request: HttpRequest) -> HttpResponse:
    try:
        identity = finish_sign_in(request)
    except OidcError:
        messages.error(request, _("Sign-in did not complete. Nothing was changed; please sign in again."))
        return redirect("accounts:login")
    next_url = request.session.pop(_NEXT_KEY, None)
    user = sign_in_resident(identity=identity)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("You are signed in."))
    return redirect(_safe_next(request, next_url))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("catalog:home")
