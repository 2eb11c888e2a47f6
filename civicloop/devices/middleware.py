# SPDX-License-Identifier: MPL-2.0
"""Zero-trust request handling: every request learns what its device is worth to the policy."""

import logging
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from civicloop.classification.policy import DeviceTrust
from civicloop.core import audit
from civicloop.devices.sessions import DeviceMismatch, bound_device

logger = logging.getLogger(__name__)


class DeviceTrustMiddleware:
    """Sets `request.device_trust` (and `request.device`) for every request.

    UNKNOWN when the session is bound to no device (residents, guests, staff on an unregistered
    browser); otherwise the bound device's trust: NONCOMPLIANT, BYOD or MANAGED. A session bound
    to a device whose cookie no longer comes with the request — the session was replayed from
    another machine, or the cookie was removed — is ended on the spot.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.device_trust = DeviceTrust.UNKNOWN  # type: ignore[attr-defined]
        request.device = None  # type: ignore[attr-defined]
        try:
            device = bound_device(request)
        except DeviceMismatch as mismatch:
            self._end_session(request, str(mismatch))
        else:
            if device is not None:
                request.device = device  # type: ignore[attr-defined]
                request.device_trust = device.trust()  # type: ignore[attr-defined]
        return self.get_response(request)

    @staticmethod
    def _end_session(request: HttpRequest, bound: str) -> None:
        user = request.user
        with transaction.atomic():
            audit.record(
                actor=f"user/{getattr(user, 'public_id', '')}",
                action="session.ended",
                object_type="device",
                object_id=bound,
                data={"reason": "device_mismatch"},
            )
        logger.warning("session of user %s ended: device cookie does not match device %s", user.pk, bound)
        logout(request)
        messages.warning(
            request, _("You were signed out because your session was used from another device. Please sign in again.")
        )
