# SPDX-License-Identifier: MPL-2.0
"""Binding a signed-in session to the device it runs on.

The browser on a registered device carries a signed, HttpOnly cookie naming that device (set when
the device is registered or linked in that browser). At sign-in the session records the device;
from then on every request must carry the same cookie, or the session is ended
(middleware.DeviceTrustMiddleware). A session cookie copied to another machine is then worthless
without the device cookie too, which scripts cannot read.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from civicloop.accounts.mfa import session_passed_mfa
from civicloop.accounts.models import User
from civicloop.classification.policy import Context, DeviceTrust
from civicloop.core.compiled import Param, compiled
from civicloop.devices.models import Device

SESSION_KEY = "civicloop_device"
_SALT = "civicloop.devices.cookie"


def device_id_from_cookie(request: HttpRequest) -> str | None:
    """The device public id the browser's signed cookie names; None when missing or tampered with."""
    value = request.get_signed_cookie(
        settings.DEVICE_COOKIE_NAME, default=None, salt=_SALT, max_age=settings.DEVICE_COOKIE_MAX_AGE_S
    )
    return value or None


def set_device_cookie(response: HttpResponse, device: Device) -> None:
    response.set_signed_cookie(
        settings.DEVICE_COOKIE_NAME,
        str(device.public_id),
        salt=_SALT,
        max_age=settings.DEVICE_COOKIE_MAX_AGE_S,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def bind_session(request: HttpRequest, device: Device) -> None:
    request.session[SESSION_KEY] = str(device.public_id)


def bound_device_id(request: HttpRequest) -> str | None:
    value = request.session.get(SESSION_KEY)
    return str(value) if value else None


class DeviceMismatch(Exception):
    """The session is bound to a device whose cookie did not come with the request."""


def bound_device(request: HttpRequest) -> Device | None:
    """The active registered device this signed-in session is bound to, if any.

    Raises DeviceMismatch when the session is bound to a device but the request lacks its cookie
    (the session was replayed from another machine): the caller ends the session or refuses.
    Used by the HTTP middleware and by the chat's websockets alike.
    """
    bound = bound_device_id(request)
    if not bound or not request.user.is_authenticated:
        return None
    if device_id_from_cookie(request) != bound:
        raise DeviceMismatch(bound)
    return _bound_device.first(public_id=bound, owner=request.user.pk)


# Read on every signed-in staff request: compiled once (core.compiled).
_bound_device = compiled(
    lambda: Device.objects.active().filter(
        public_id=Param("public_id", Device, "public_id"), owner=Param("owner", Device, "owner")
    )[:1]
)


def bind_at_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Receiver of Django's user_logged_in: record the device this browser is, if it is the user's."""
    if request is None or not hasattr(request, "session"):
        return
    request.session.pop(SESSION_KEY, None)
    device_id = device_id_from_cookie(request)
    if device_id and Device.objects.active().filter(public_id=device_id, owner_id=user.pk).exists():
        request.session[SESSION_KEY] = device_id


def staff_reader_of(scope: Mapping[str, Any]) -> tuple[User, Context] | None:
    """The signed-in member of staff behind a websocket scope and their device's context, or None.

    What the HTTP middleware would find for the same cookies: an active staff account read afresh
    (clearance and roles as they are now), a second factor passed in this session, and the device
    the session is bound to (a bound session without its device cookie is refused). Used by the
    chat's and the co-edited documents' websockets.
    """
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return None
    person = User.objects.filter(pk=user.pk, is_active=True).first()
    if person is None or not person.is_staff_member:
        return None
    request = HttpRequest()
    request.COOKIES = dict(scope.get("cookies", {}))
    request.session = scope["session"]
    request.user = person
    if not session_passed_mfa(request):
        return None
    try:
        device = bound_device(request)
    except DeviceMismatch:
        return None
    trust = device.trust() if device is not None else DeviceTrust.UNKNOWN
    return person, Context(device_trust=DeviceTrust(trust))
