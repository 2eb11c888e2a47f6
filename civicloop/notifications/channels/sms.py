# SPDX-License-Identifier: MPL-2.0
"""SMS through an HTTP gateway. A skeleton: NOT the default (the default is fakes.FakeSmsAdapter).

Japanese SMS gateways differ in their APIs; this one posts `{"to", "from", "text", "reference"}`
as JSON with a bearer token to `CIVICLOOP_SMS_URL` and reads `id` from the answer. Adapt
`_payload` and the reading of the answer to the contracted gateway, keeping the interface.
"""

import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from civicloop.notifications.channels.base import PermanentFailure
from civicloop.notifications.channels.gateway import post_json

if TYPE_CHECKING:
    from civicloop.notifications.models import Message

_DOMESTIC = re.compile(r"0\d{9,10}")


def to_e164(phone: str) -> str:
    """A Japanese number such as 090-1234-5678 as +819012345678; an +81 number unchanged."""
    digits = re.sub(r"[\s\-()]", "", phone)
    if digits.startswith("+") and digits[1:].isdigit():
        return digits
    if _DOMESTIC.fullmatch(digits):
        return "+81" + digits[1:]
    raise PermanentFailure("not a phone number an SMS gateway accepts")


class HttpSmsAdapter:
    def __init__(self) -> None:
        if not (settings.NOTIFICATIONS_SMS_URL and settings.NOTIFICATIONS_SMS_TOKEN):
            raise ImproperlyConfigured("CIVICLOOP_SMS_GATEWAY=http needs CIVICLOOP_SMS_URL and CIVICLOOP_SMS_TOKEN")

    def _payload(self, message: "Message") -> dict[str, str]:
        return {
            "to": to_e164(message.address),
            "from": settings.NOTIFICATIONS_SMS_SENDER,
            "text": message.body,
            # Lets a gateway that supports it drop a retried duplicate.
            "reference": str(message.public_id),
        }

    def send(self, message: "Message") -> str:
        response = post_json(
            settings.NOTIFICATIONS_SMS_URL,
            self._payload(message),
            headers={"Authorization": f"Bearer {settings.NOTIFICATIONS_SMS_TOKEN}"},
            timeout=settings.NOTIFICATIONS_HTTP_TIMEOUT,
        )
        try:
            return str(response.json().get("id", ""))[:200]
        except ValueError:
            return ""
