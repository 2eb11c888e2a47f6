# SPDX-License-Identifier: MPL-2.0
"""allauth's MFA signals turned into our events and audit entries, and what a sign-in keeps in the
session (connected in apps.ready)."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from civicloop.accounts import actions, navigation
from civicloop.accounts.mfa import SIGN_IN_FACTORS, record_mfa_enrolment
from civicloop.accounts.models import User


def on_authenticator_added(
    sender: Any, request: HttpRequest | None, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    if not isinstance(user, User):
        return
    actions.record_second_factor_change(user=user, factor=authenticator.type, added=True)
    if request is not None and authenticator.type in SIGN_IN_FACTORS:
        record_mfa_enrolment(request, authenticator)


def on_authenticator_removed(
    sender: Any, request: HttpRequest | None, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    if isinstance(user, User):
        actions.record_second_factor_change(user=user, factor=authenticator.type, added=False)


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    navigation.remember_link_permissions(request, user)
