# SPDX-License-Identifier: MPL-2.0
"""The chat websocket: `/ws/chat/<channel>/?after=<seq>`, read-only, through the same rules as the pages.

At connection the socket is what an HTTP request would be: the session's user, a second factor
passed (staff), and the device the session is bound to (`devices.sessions.bound_device`), so the
same `rules.decide_channel` decides, audited the same way. A refusal closes the socket before it
is accepted (the browser sees a failed handshake, as a 404 tells nothing). Accepted, it first
sends what changed after `after` (from the database), then each change as it is announced
(`realtime.broadcast_after_commit`), asking the rules again before each one: a reader who lost the
department, the clearance or the device's trust meanwhile is disconnected. Posting is a plain
HTTP POST, so every write goes through the same view, action and audit.
"""

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from civicloop.accounts.models import User
from civicloop.classification.policy import Context
from civicloop.collab.access import get_channel_for_user
from civicloop.collab.models import Channel
from civicloop.collab.realtime import changed_since, group_name, payloads
from civicloop.collab.rules import ChatAction, evaluate_channel
from civicloop.devices.sessions import staff_reader_of

REFUSED = 4404  # the close code of a refused socket (never says whether the channel exists)


class ChannelConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels is untyped
    reader: User
    context: Context
    channel: Channel

    async def connect(self) -> None:
        opened = await database_sync_to_async(self._open)()
        if not opened:
            await self.close(code=REFUSED)
            return
        await self.channel_layer.group_add(group_name(self.channel), self.channel_name)
        await self.accept()
        await self._catch_up(_after(self.scope))

    def _open(self) -> bool:
        reader = staff_reader_of(self.scope)
        if reader is None:
            return False
        self.reader, self.context = reader
        public_id = self.scope["url_route"]["kwargs"]["public_id"]
        try:
            self.channel = get_channel_for_user(self.reader, public_id, action=ChatAction.READ, context=self.context)
        except Exception:  # Http404: missing or refused alike
            return False
        return True

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "channel"):
            await self.channel_layer.group_discard(group_name(self.channel), self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """`{"after": <seq>}`: send again everything changed after that change (a client that missed some)."""
        after = content.get("after") if isinstance(content, dict) else None
        if isinstance(after, int) and after >= 0:
            await self._catch_up(after)

    async def _catch_up(self, after: int) -> None:
        while True:
            batch, more = await database_sync_to_async(self._changed)(after)
            if batch is None:
                await self.close(code=REFUSED)
                return
            for payload in batch:
                await self.send_json({"type": "message", "message": payload})
                after = max(after, payload["seq"])
            if not more:
                return

    def _changed(self, after: int) -> tuple[list[Any] | None, bool]:
        if not self._still_allowed():
            return None, False
        changed = changed_since(self.channel, after)
        return list(payloads(changed)), len(changed) == 200

    def _still_allowed(self) -> bool:
        """The rules asked again with today's facts: the person, their device, the channel's and case's tiers."""
        reader = staff_reader_of(self.scope)
        if reader is None:
            return False
        self.reader, self.context = reader
        self.channel.refresh_from_db(fields=["classification"])
        if self.channel.case is not None:
            self.channel.case.refresh_from_db(fields=["classification"])
        return evaluate_channel(self.reader, ChatAction.READ, self.channel, self.context).allowed

    async def chat_message(self, event: dict[str, Any]) -> None:
        """A change announced on the channel's group: passed on if the reader may still read the channel."""
        if not await database_sync_to_async(self._still_allowed)():
            await self.close(code=REFUSED)
            return
        await self.send_json({"type": "message", "message": event["message"]})


def _after(scope: dict[str, Any]) -> int:
    values = parse_qs(scope.get("query_string", b"").decode()).get("after", ["0"])
    try:
        return max(0, int(values[0]))
    except ValueError:
        return 0
