# SPDX-License-Identifier: MPL-2.0
"""LINE push messages through the Messaging API. A skeleton: NOT the default (fakes.FakeLineAdapter is).

`POST https://api.line.me/v2/bot/message/push` with the channel access token, `to` the user id
the resident gave (they must have added the municipality's official account as a friend), and
`X-Line-Retry-Key` set to the message's id so that LINE drops a retried duplicate (it answers
409 to a retry of a push it already accepted, which counts as sent here).
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from civicloop.notifications.channels.base import PermanentFailure
from civicloop.notifications.channels.gateway import post_json

if TYPE_CHECKING:
    from civicloop.notifications.models import Message

# LINE's limit for one text message.
TEXT_LIMIT = 5000


class HttpLineAdapter:
    def __init__(self) -> None:
        if not settings.NOTIFICATIONS_LINE_TOKEN:
            raise ImproperlyConfigured("CIVICLOOP_LINE_GATEWAY=http needs CIVICLOOP_LINE_CHANNEL_TOKEN")

    def send(self, message: "Message") -> str:
        payload = {"to": message.address, "messages": [{"type": "text", "text": message.body[:TEXT_LIMIT]}]}
        headers = {
            "Authorization": f"Bearer {settings.NOTIFICATIONS_LINE_TOKEN}",
            "X-Line-Retry-Key": str(message.public_id),
        }
        try:
            response = post_json(
                settings.NOTIFICATIONS_LINE_API_URL,
                payload,
                headers=headers,
                timeout=settings.NOTIFICATIONS_HTTP_TIMEOUT,
            )
        except PermanentFailure as exc:
            if str(exc).startswith("HTTP 409"):
                return "accepted earlier (retry key)"
            raise
        return response.headers.get("x-line-request-id", "")[:200]
