# SPDX-License-Identifier: MPL-2.0
"""How django-allauth behaves here: staff only, no self sign-up, a second factor first.

allauth runs the staff sign-in (password or the municipality's single sign-on, then TOTP or a
security key). Residents never use it: they sign in through OpenID Connect at /auth/
(accounts.views), and this adapter refuses them at the staff form exactly as it refuses a wrong
password, so the form tells nobody whether a resident account exists.
"""

import time
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from civicloop.accounts import actions
from civicloop.accounts.mfa import has_second_factor, records
from civicloop.accounts.models import User


def _is_back_office(user: object) -> bool:
    return isinstance(user, User) and user.is_active and user.is_back_office


def _signs_in_here(user: object) -> bool:
    """Staff, and suppliers (civicloop.procurement): both sign in with allauth and a second factor."""
    return _is_back_office(user) or (isinstance(user, User) and user.is_active and user.is_supplier)


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Staff accounts are made by an administrator, never by signing up."""
        return False

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        """A resident's password (if one was ever set) counts as a failed attempt, rate limit included."""
        user = super().authenticate(request, **credentials)
        if user is not None and not _signs_in_here(user):
            self.pre_authenticate(request, **credentials)  # consume the attempt super() gave back
            self.authentication_failed(request, **credentials)
            return None
        return user

    def pre_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> HttpResponse | None:
        if not _signs_in_here(user):  # passkeys and single sign-on do not pass through authenticate()
            messages.error(request, _("This sign-in is for municipal staff. Residents sign in here instead."))
            return redirect("accounts:login")
        return super().pre_login(request, user, **kwargs)

    def post_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        methods = [str(r.get("method")) for r in records(request)]
        factor = next((str(r.get("type")) for r in reversed(records(request)) if r.get("method") == "mfa"), "")
        actions.record_staff_sign_in(user=user, methods=methods, factor=factor)  # type: ignore[arg-type]
        return response

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if isinstance(request.user, User) and request.user.is_supplier:
            return reverse("procurement:supplier-home")
        return reverse("cases:case-list")

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        return reverse("cases:staff-login")

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """The first second factor may be set up right after signing in without typing the password again.

        allauth asks for a fresh re-authentication before any change to the second factors. For
        the very first one, just after the password (or single sign-on), that only makes staff
        type the password twice: the sign-in itself is the proof, as long as it is recent.
        """
        request = context.request
        user = getattr(request, "user", None)
        if app == "allauth.mfa" and user is not None and user.is_authenticated and not has_second_factor(user):
            signed_in = [float(r["at"]) for r in records(request) if r.get("method") in ("password", "socialaccount")]
            if signed_in and time.time() - max(signed_in) < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT:
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_reauthentication_methods(self, user: Any) -> list[dict[str, Any]]:
        """A second factor first: that is what staff re-authenticate with before sensitive actions."""
        methods = super().get_reauthentication_methods(user)
        return sorted(methods, key=lambda m: 0 if str(m.get("id", "")).startswith("mfa") else 1)


class StaffSocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on with the municipality's directory links to an existing staff account only."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if sociallogin.is_existing:
            if not _is_back_office(sociallogin.user):
                raise ImmediateHttpResponse(self._refuse(request))
            return
        email = (sociallogin.user.email or "").strip()
        matches = list(User.objects.filter(email__iexact=email)[:2]) if email else []
        if len(matches) != 1 or not _is_back_office(matches[0]):
            raise ImmediateHttpResponse(self._refuse(request))
        sociallogin.connect(request, matches[0])

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        messages.error(request, _("The directory account is not linked to a staff account here. Ask an administrator."))
        return redirect("cases:staff-login")


class StaffMfaAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        """What authenticator apps show next to the code: the municipality, not a host name."""
        return f"{settings.LG_NAME_JA} civicloop"

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        entity = super().get_public_key_credential_rp_entity()
        entity["name"] = f"{settings.LG_NAME_JA} civicloop"
        return entity
