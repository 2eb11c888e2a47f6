# SPDX-License-Identifier: MPL-2.0
"""Staff reach nothing but the sign-in and second-factor pages until their session has passed a second factor."""

from collections.abc import Callable
from functools import cached_property

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from civicloop.accounts import invitations
from civicloop.accounts.mfa import has_second_factor, session_passed_mfa
from civicloop.accounts.models import User


class StaffMfaRequiredMiddleware:
    """A second factor is required for staff, on every page and API call.

    - Staff without a TOTP app or security key are sent to set one up (allauth's MFA pages), and
      before that to type the invitation an administrator issued them (accounts.invitations).
    - Staff who have one but whose session never used it (a session made some other way than the
      staff sign-in, which always asks for it) are asked for it now.
    Residents and guests pass straight through: they sign in through OpenID Connect at /auth/.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def open_prefixes(self) -> tuple[str, ...]:
        """The paths a member of staff may reach before the second factor: signing in, setting it up, leaving."""
        allauth_root = reverse("account_login").removesuffix("login/")
        return (
            allauth_root,
            reverse("cases:staff-login"),
            reverse("accounts:logout"),
            settings.STATIC_URL,
            "/i18n/",
            "/favicon",
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            isinstance(user, User)
            and (user.is_back_office or user.is_supplier)
            and not request.path.startswith(self.open_prefixes)
            and not session_passed_mfa(request)
        ):
            return self._second_factor_first(request, enrolled=has_second_factor(user))
        return self.get_response(request)

    @staticmethod
    def _second_factor_first(request: HttpRequest, *, enrolled: bool) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "a second factor (TOTP or security key) is required for staff"}, status=403)
        if not enrolled and isinstance(request.user, User) and request.user.is_supplier:
            # Suppliers registered themselves: no invitation, they set up a second factor at once.
            messages.info(request, _("Set up two-step verification before continuing."))
            return redirect("mfa_activate_totp")
        if not enrolled:
            messages.info(request, _("Staff must set up two-step verification before continuing."))
            return redirect("mfa_index" if invitations.remembered(request) else invitations.REDEEM_URL)
        methods = get_adapter(request).get_reauthentication_methods(request.user)
        url = methods[0]["url"] if methods else reverse("mfa_reauthenticate")
        return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
