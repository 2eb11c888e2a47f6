# SPDX-License-Identifier: MPL-2.0
from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.views import LoginView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicloop.accounts import actions, invitations
from civicloop.accounts.actions import sign_in_resident
from civicloop.accounts.forms import InvitationCodeForm, IssueInvitationForm
from civicloop.accounts.mfa import has_second_factor
from civicloop.accounts.models import User
from civicloop.accounts.reauth import require_recent_auth
from civicloop.core.middleware import CONTENT_SECURITY_POLICY
from civicloop.integrations.oidc.client import OidcError, finish_sign_in, start_sign_in

_NEXT_KEY = "civicloop_next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("applications:application-list")


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


def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """/admin/login/: the admin's sign-in is the staff sign-in, except for someone already signed in.

    The admin sends a signed-in person without `is_staff` here; /staff/login/ would send them back
    to the admin (they are signed in), which sends them here again, forever. They get a 403 that
    says why instead.
    """
    user: Any = request.user
    if user.is_authenticated and not (user.is_active and user.is_staff):
        return render(request, "accounts/admin_forbidden.html", status=403)
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"{reverse('cases:staff-login')}?{query}" if query else reverse("cases:staff-login"))


def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """429 for allauth's own limits (sign-in attempts, re-authentication): a page in the visitor's language."""
    message = _("Too many attempts in a short time. Wait a few minutes, then try again.")
    return render(request, "accounts/rate_limited.html", {"message": message}, status=429)


# Issuing an invitation lets someone enrol a factor on another's account: a fresh second factor first.
ISSUE_MAX_AUTH_AGE_S = 15 * 60


@login_required(login_url="cases:staff-login")
@never_cache
def redeem_mfa_invitation(request: HttpRequest) -> HttpResponse:
    """Step before the first second factor: the invitation code an administrator issued."""
    user = request.user
    if not isinstance(user, User) or not user.is_back_office:
        raise Http404
    if has_second_factor(user):
        return redirect("mfa_index")
    form = InvitationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = actions.check_mfa_invitation(user=user, code=form.cleaned_data["code"])
        except actions.InvalidInvitation:
            form.add_error("code", _("This invitation code is not valid. It may be mistyped, expired or already used."))
        else:
            invitations.remember(request, invitation)
            messages.success(request, _("Invitation accepted. Now set up your authenticator app or security key."))
            return redirect("mfa_index")
    context = {"form": form, "hours": settings.MFA_INVITATION_HOURS}
    return render(request, "accounts/mfa_invitation.html", context, status=400 if form.errors else 200)


def invitation_issuers_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """404 for anyone who may not issue invitations, before a re-authentication is asked of them."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not actions.is_invitation_issuer(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@login_required(login_url="cases:staff-login")
@invitation_issuers_only
@require_recent_auth(ISSUE_MAX_AUTH_AGE_S)
@never_cache
def issue_mfa_invitation(request: HttpRequest) -> HttpResponse:
    """An administrator or the information-security officer issues an invitation; the code is shown once."""
    form = IssueInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        staff = User.objects.filter(username=form.cleaned_data["username"]).first()
        try:
            if staff is None:
                raise actions.InvitationNotAllowed("no such user")
            invitation, code = actions.issue_mfa_invitation(user=staff, by=request.user)  # type: ignore[arg-type]
        except actions.InvitationNotAllowed:
            form.add_error("username", _("You cannot invite this person: check the user name (not your own)."))
        else:
            response = render(request, "accounts/mfa_invitation_code.html", {"invitation": invitation, "code": code})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "accounts/mfa_invitation_issue.html", {"form": form}, status=400 if form.errors else 200)
