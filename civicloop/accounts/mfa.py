# SPDX-License-Identifier: MPL-2.0
"""What the session says about how its user proved who they are (allauth's authentication records).

allauth appends a record to the session for every authentication step — the password, the single
sign-on, each second factor at sign-in or re-authentication — with its time. These helpers read
them; nothing here writes except `record_mfa_enrolment`.
"""

import time
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

# Second factors that can sign someone in; recovery codes only stand in for a lost one.
SIGN_IN_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_second_factor(user: Any) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SIGN_IN_FACTORS).exists()


def records(request: HttpRequest) -> list[dict[str, Any]]:
    return list(get_authentication_records(request, request.user))


def session_passed_mfa(request: HttpRequest) -> bool:
    """Did this session's user complete a second factor (at sign-in, enrolment or re-authentication)?"""
    return any(record.get("method") == "mfa" for record in records(request))


def last_mfa_at(request: HttpRequest) -> float | None:
    """When this session's user last completed a second factor (a UNIX time), if ever."""
    times = [float(r["at"]) for r in records(request) if r.get("method") == "mfa" and "at" in r]
    return max(times) if times else None


def authenticated_within(request: HttpRequest, max_age_s: float) -> bool:
    last = last_mfa_at(request)
    return last is not None and time.time() - last <= max_age_s


def record_mfa_enrolment(request: HttpRequest, authenticator: Authenticator) -> None:
    """Enrolling proves possession of the new factor (a valid code or a signed challenge), so it counts.

    It counts as a re-authentication too, as allauth's flow intends: the recovery codes it shows
    next are behind a re-authentication that the code just typed has already given.
    """
    record_authentication(
        request,
        request.user,
        "mfa",
        id=authenticator.pk,
        type=authenticator.type,
        enrolled=True,
        reauthenticated=True,
    )
