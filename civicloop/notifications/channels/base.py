# SPDX-License-Identifier: MPL-2.0
"""The one interface every channel adapter implements."""

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from civicloop.notifications.models import Message


class DeliveryError(Exception):
    """This attempt failed but a later one may work (gateway down, timeout, 5xx): retry with backoff."""


class PermanentFailure(Exception):
    """No retry can work (address refused, recipient unknown to the gateway): the message goes dead now."""


class Adapter(Protocol):
    def send(self, message: "Message") -> str:
        """Deliver `message.body` (and `title`, where the channel has one) to `message.address`.

        Returns the gateway's reference for the sent message, or "" when it gives none. Raises
        DeliveryError or PermanentFailure; any other exception counts as a DeliveryError.
        """
        ...
