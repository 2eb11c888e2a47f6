# SPDX-License-Identifier: MPL-2.0
"""The chat websocket: `/ws/chat/<channel>/?after=<seq>`, read-only, through the same rules as the pages.

At connection the socket is what an HTTP request would be: the session's user, a second factor
passed (staff), and the device the session is bound to (`devices.sessions.bound_device`), so the
same `rules.decide_channel` decides, audited the same way. A refusal closes the socket before it
is accepted (the browser sees a failed handshake, as a 404 tells nothing). Accepted, it first
sends what changed after `after` (from the database), then each change as it is announced
(`realtime.broadcast_after_commit`). Posting is a plain HTTP POST, so every write goes through the
same view, action and audit.

A reader who loses the right to read meanwhile (the department, the clearance, a grant, the
device's trust, the channel's or the case's tier, the session) is disconnected. The rules are not
asked again before every delivery: with 200 readers of a channel at 50 messages a second that was
10,000 decisions of five queries each per second, on the one thread Channels gives the database,
and deliveries queued for seconds (bench/chat.py). Instead the decision is asked again
- at once when something it depends on changes: `subscribers.py` announces `chat.recheck` to the
  person's group (their account, departments, devices, grants, memberships, their sign-out) or to
  every chat socket (a channel's or a case's tier, a need-to-know grant or a device's trust);
- and before the first delivery once `RECHECK_S` have passed since the last decision, which bounds
  how long a change that was never announced (an `update()` that sends no signal, an announcement
  the layer dropped, a posture that went stale with time) keeps a socket open.
"""

import random
import time
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from civicloop.accounts.models import User
from civicloop.classification.policy import Context
from civicloop.collab.access import get_channel_for_user
from civicloop.collab.models import Channel
from civicloop.collab.realtime import RECHECK_ALL_GROUP, changed_since, group_name, payloads, reader_group
from civicloop.collab.rules import ChatAction, evaluate_channel
from civicloop.devices.sessions import staff_reader_of

REFUSED = 4404  # the close code of a refused socket (never says whether the channel exists)
# The longest a socket passes messages on without asking the rules again, for the changes that are
# not announced (see above): 200 readers of a busy channel then cost some 20 decisions a second,
# not 10,000, and an unannounced change keeps a reader for seconds, not a session's life.
RECHECK_S = 10.0


class ChannelConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels is untyped
    reader: User
    context: Context
    channel: Channel
    decided_at: float = float("-inf")  # time.monotonic() of the last decision that allowed reading
    refused = False  # closed by a decision: nothing more is sent, whatever is still queued

    def _groups(self) -> list[str]:
        return [group_name(self.channel), reader_group(self.reader.pk), RECHECK_ALL_GROUP]

    async def connect(self) -> None:
        opened = await database_sync_to_async(self._open)()
        if not opened:
            await self.close(code=REFUSED)
            return
        self.decided_at = time.monotonic()
        for group in self._groups():
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self._catch_up(_after(self.scope))
        # As if decided up to RECHECK_S ago: sockets opened together (a whole office's reload, a
        # restart) do not all ask again in the same instant and queue behind the one database thread.
        self.decided_at -= random.uniform(0, RECHECK_S)

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
            for group in self._groups():
                await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """`{"after": <seq>}`: send again everything changed after that change (a client that missed some)."""
        after = content.get("after") if isinstance(content, dict) else None
        if isinstance(after, int) and after >= 0:
            await self._catch_up(after)

    async def _catch_up(self, after: int) -> None:
        while True:
            batch, more = await database_sync_to_async(self._changed)(after)
            if batch is None:
                if not self.refused:
                    self.refused = True
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
        """The rules asked again with today's facts: the session, the person, their device, the channel's
        and case's tiers."""
        reader = staff_reader_of({**self.scope, "session": _session_now(self.scope)})
        if reader is None or reader[0].pk != self.reader.pk:
            return False
        self.reader, self.context = reader
        self.channel.refresh_from_db(fields=["classification"])
        if self.channel.case is not None:
            self.channel.case.refresh_from_db(fields=["classification"])
        allowed = evaluate_channel(self.reader, ChatAction.READ, self.channel, self.context).allowed
        if allowed:
            self.decided_at = time.monotonic()
        return allowed

    async def _recheck(self) -> bool:
        """Ask the rules again; close the socket and say False if they no longer let the reader read."""
        if not self.refused and await database_sync_to_async(self._still_allowed)():
            return True
        if not self.refused:
            self.refused = True
            await self.close(code=REFUSED)
        return False

    async def dispatch(self, message: dict[str, Any]) -> None:
        """A delivery goes straight to `chat_message`; every other message as Channels dispatches it.

        Channels closes stale database connections before every handler (`aclose_old_connections`, a
        hop to the one database thread and back). A delivery reads no database (only a due recheck
        does, through `database_sync_to_async`, which closes them itself), so that hop was pure cost:
        200 readers at 50 messages a second made 10,000 hops a second, 27% of daphne's CPU under
        py-spy, and deliveries queued behind them for seconds (bench/chat.py).
        """
        if message.get("type") == "chat.message":
            await self.chat_message(message)
        else:
            await super().dispatch(message)

    async def chat_message(self, event: dict[str, Any]) -> None:
        """A change announced on the channel's group: passed on while the reader may read the channel."""
        if self.refused or (time.monotonic() - self.decided_at >= RECHECK_S and not await self._recheck()):
            return
        await self.send(text_data=event["frame"])

    async def chat_recheck(self, event: dict[str, Any]) -> None:
        """Something the decision depends on changed (subscribers.py): decide again now."""
        await self._recheck()


def _session_now(scope: dict[str, Any]) -> Any:
    """The socket's session as it is stored now (signed out: empty), not as it was read at connection."""
    key = scope["session"].session_key
    return import_module(settings.SESSION_ENGINE).SessionStore(key)


def _after(scope: dict[str, Any]) -> int:
    values = parse_qs(scope.get("query_string", b"").decode()).get("after", ["0"])
    try:
        return max(0, int(values[0]))
    except ValueError:
        return 0
