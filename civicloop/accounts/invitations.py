# SPDX-License-Identifier: MPL-2.0
"""The invitation step before a member of staff enrols their first second factor.

Without it, whoever knows a factor-less account's password could enrol an authenticator of their
choosing and own the account (issue 10). The flow (docs/staff-sign-in.md, "Invitations"):

1. an administrator or the information-security officer issues a one-time code
   (accounts.actions.issue_mfa_invitation) and hands it over out of band;
2. after the password, the member of staff types it at /staff/account/2fa/invitation/; the session
   remembers the invitation (`remember`);
3. allauth's enrolment pages (TOTP, security key) are wrapped in `invitation_required`: without a
   remembered, still usable invitation they redirect to step 2; a POST that creates the first
   factor uses the invitation up in the same transaction, or creates nothing.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from civicloop.accounts import actions
from civicloop.accounts.mfa import has_second_factor
from civicloop.accounts.models import MfaInvitation, User

SESSION_KEY = "civicloop_mfa_invitation"
REDEEM_URL = "staff_account:mfa-invitation-redeem"


def needs_invitation(user: object) -> bool:
    """A member of staff with no sign-in factor yet: enrolling one needs an invitation."""
    return isinstance(user, User) and user.is_back_office and not has_second_factor(user)


def remember(request: HttpRequest, invitation: MfaInvitation) -> None:
    request.session[SESSION_KEY] = str(invitation.public_id)


def remembered(request: HttpRequest) -> MfaInvitation | None:
    """The invitation this session was given, if it is still usable and belongs to its user."""
    value = request.session.get(SESSION_KEY)
    user = request.user
    if not value or not isinstance(user, User):
        return None
    usable = MfaInvitation.objects.filter(user=user).usable(timezone.now())
    return usable.filter(public_id=value).first()


def invitation_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an allauth enrolment view: the first factor only with an invitation, which it uses up."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not needs_invitation(user):
            return view(request, *args, **kwargs)  # a further factor: allauth's re-authentication applies
        assert isinstance(user, User)
        invitation = remembered(request)
        if invitation is None:
            return redirect(REDEEM_URL)
        if request.method != "POST":
            return view(request, *args, **kwargs)
        enrolled, raced = False, False
        with transaction.atomic():
            response = view(request, *args, **kwargs)
            if has_second_factor(user):
                try:
                    actions.consume_mfa_invitation(user=user, invitation_id=invitation.public_id)
                    enrolled = True
                except actions.InvalidInvitation:
                    # Used up or replaced while the form was open: the factor is not kept.
                    transaction.set_rollback(True)
                    raced = True
        if raced:
            # allauth may already have marked the session as having passed the factor: end it.
            logout(request)
            return redirect("cases:staff-login")
        if enrolled:
            request.session.pop(SESSION_KEY, None)
        return response

    return wrapper
