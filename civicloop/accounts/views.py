# SPDX-License-Identifier: MPL-2.0
from typing import Any

from allauth.account.views import LoginView
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
from civicloop.core.middleware import CONTENT_SECURITY_POLICY
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


class StaffLoginView(LoginView):
    """The staff sign-in (/staff/login/): allauth's login with our page; the second factor follows."""

    template_name = "cases/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["staff_sso"] = staff_sso_provider()
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        if context.get("staff_sso"):
            # The single sign-on button posts here and is answered with a redirect to the directory,
            # so this one page lets forms go there too (CSP form-action covers redirects).
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(
                form_action=f"{settings.OIDC_ISSUER} {settings.STAFF_OIDC_ISSUER}".strip()
            )
        return response


def staff_sso_provider() -> dict[str, str] | None:
    """The municipality directory's sign-on button, when CIVICLOOP_STAFF_OIDC_ISSUER is set."""
    if not settings.STAFF_OIDC_ISSUER:
        return None
    return {
        "name": settings.STAFF_OIDC_NAME,
        "url": reverse("openid_connect_login", kwargs={"provider_id": settings.STAFF_OIDC_PROVIDER_ID}),
    }


def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """429 for allauth's own limits (sign-in attempts, re-authentication): a page in the visitor's language."""
    message = _("Too many attempts in a short time. Wait a few minutes, then try again.")
    return render(request, "accounts/rate_limited.html", {"message": message}, status=429)
