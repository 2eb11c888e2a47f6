# SPDX-License-Identifier: MPL-2.0
"""Signed webhooks: the JSON notice posted to a URL staff registered, signed as core.webhooks signs."""

from typing import TYPE_CHECKING

from django.conf import settings

from civicloop.core import webhooks
from civicloop.notifications.channels.base import DeliveryError, PermanentFailure

if TYPE_CHECKING:
    from civicloop.notifications.models import Message


class WebhookAdapter:
    def send(self, message: "Message") -> str:
        from civicloop.notifications.models import ChannelPreference

        # The secret is read at send time, never copied into the message: rotating it in the
        # admin applies to queued messages too, and a message row holds nothing that signs.
        if message.recipient_id is None:
            raise PermanentFailure("a webhook notice needs a recipient account")
        secret = (
            ChannelPreference.objects.filter(user_id=message.recipient_id, webhook_url=message.address)
            .values_list("webhook_secret", flat=True)
            .first()
        )
        if not secret:
            raise PermanentFailure("the webhook was removed or has no secret")
        status, detail = webhooks.deliver(
            message.address, secret, message.body.encode(), timeout=settings.NOTIFICATIONS_HTTP_TIMEOUT
        )
        if status is not None and 200 <= status < 300:
            return detail[:200]
        if status == 410:  # Gone: the receiver says the endpoint will never come back
            raise PermanentFailure(detail)
        raise DeliveryError(detail)
