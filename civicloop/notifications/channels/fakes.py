# SPDX-License-Identifier: MPL-2.0
"""Stand-ins for the SMS and LINE gateways: they record what they would send and send nothing.

The default adapters, so development and tests never reach a paid gateway. `OUTBOX` plays the
part of Django's `mail.outbox`; `fail_next` makes the next sends raise, to exercise retries.
"""

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from civicloop.notifications.channels.base import DeliveryError

if TYPE_CHECKING:
    from civicloop.notifications.models import Message

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FakeSend:
    channel: str
    to: str
    text: str
    message_id: str


OUTBOX: list[FakeSend] = []


class _FakeGateway:
    channel: ClassVar[str]
    _failures: ClassVar[dict[str, int]] = {}

    @classmethod
    def fail_next(cls, times: int = 1) -> None:
        """Make the next `times` sends on this channel raise DeliveryError (for tests and drills)."""
        cls._failures[cls.channel] = times

    def send(self, message: "Message") -> str:
        if self._failures.get(self.channel, 0) > 0:
            self._failures[self.channel] -= 1
            raise DeliveryError(f"fake {self.channel} gateway: failure requested")
        OUTBOX.append(FakeSend(self.channel, message.address, message.body, str(message.public_id)))
        # The address stays out of the log: logs travel further than the database.
        logger.info(
            "fake %s gateway: would send notice %s (%d characters)", self.channel, message.public_id, len(message.body)
        )
        return f"fake-{self.channel}-{len(OUTBOX)}"


class FakeSmsAdapter(_FakeGateway):
    channel = "sms"


class FakeLineAdapter(_FakeGateway):
    channel = "line"


def reset() -> None:
    """Empty the outbox and clear requested failures (call between tests)."""
    OUTBOX.clear()
    _FakeGateway._failures.clear()
