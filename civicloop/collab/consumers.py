# SPDX-License-Identifier: MPL-2.0
"""The chat websocket: `/ws/chat/<channel>/?after=<seq>`, read-only, through the same rules as the pages.

At connection the socket is what an HTTP request would be: the session's user, a second factor
passed (staff), and the device the session is bound to (`devices.sessions.bound_device`), so the
same `rules.decide_channel` decides, audited the same way. A refusal closes the socket before it
is accepted (the browser sees a failed handshake, as a 404 tells nothing). Accepted, it first
sends what changed after `after` (from the database), then each change as it is announced
(`realtime.broadcast_after_commit`), handed over by the process's fan-out (`fanout.py`), which
receives each announcement once for all of its sockets. Posting is a plain HTTP POST, so every write goes through the
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

import asyncio
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
from civicloop.collab import fanout
from civicloop.collab.access import get_channel_for_user
from civicloop.collab.models import Channel
from civicloop.collab.realtime import RECHECK_ALL_GROUP, changed_since, group_name, payloads, reader_group
from civicloop.collab.rules import ChatAction, evaluate_channel
from civicloop.devices.sessions import staff_reader_of

# The scope key under which routing.KeepServerSend keeps the server's own `send`, for frames.
SERVER_SEND = "civicloop.server_send"
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
    joined = False  # in the process's fan-out for the channel
    # The newest change a catch-up sent. Changes commit in `seq` order (the channel's row lock is held
    # to COMMIT), so a catch-up that read change n had read every change before it: an announcement
    # of one of those is a duplicate. Live announcements may overtake each other (two posts' commits
    # announced by two workers): each is passed on, and the client orders them by `seq`.
    caught_up = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Frames offered while the socket is busy (catching up, its reader being asked about again)
        # wait here, in order, and go out when it is done: live frames never overtake the catch-up.
        self.held: list[tuple[int, str]] = []
        self.turn = asyncio.Lock()
        self.background: asyncio.Task[None] | None = None

    def _layer_groups(self) -> list[str]:
        """The groups this socket joins on the layer itself: told to ask again (rare), not messages."""
        return [reader_group(self.reader.pk), RECHECK_ALL_GROUP]

    async def connect(self) -> None:
        opened = await database_sync_to_async(self._open)()
        if not opened:
            await self.close(code=REFUSED)
            return
        self.decided_at = time.monotonic()
        async with self.turn:  # what is announced meanwhile is held until the catch-up is sent
            for group in self._layer_groups():
                await self.channel_layer.group_add(group, self.channel_name)
            await fanout.local_groups().join(group_name(self.channel), self)
            self.joined = True
            await self.accept()
            await self._catch_up(_after(self.scope))
            await self._pass_on_held()
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
        if self.background is not None:
            self.background.cancel()
        await self._leave()
        if hasattr(self, "channel"):
            for group in self._layer_groups():
                await self.channel_layer.group_discard(group, self.channel_name)

    async def _leave(self) -> None:
        if self.joined:
            self.joined = False
            await fanout.local_groups().leave(group_name(self.channel), self)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """`{"after": <seq>}`: send again everything changed after that change (a client that missed some)."""
        after = content.get("after") if isinstance(content, dict) else None
        if isinstance(after, int) and after >= 0:
            async with self.turn:
                await self._catch_up(after)
                await self._pass_on_held()

    async def offer(self, seq: int, frame: str) -> None:
        """The fan-out's delivery of a change: passed on now, or held while the socket is busy.

        The rules are not asked before each delivery (see the module's text): once `RECHECK_S` have
        passed since the last decision, the frame is held and the question is asked on a task of the
        socket's own, so the fan-out never waits for the database on one reader's behalf.
        """
        if self.refused:
            return
        self.held.append((seq, frame))
        if self.turn.locked():
            return  # whoever holds the turn passes it on when done
        if time.monotonic() - self.decided_at >= RECHECK_S:
            await self.turn.acquire()  # free, so taken at once: a later frame waits behind the question
            self.background = asyncio.ensure_future(self._recheck_then_pass_on())
            return
        async with self.turn:
            await self._pass_on_held()

    async def _recheck_then_pass_on(self) -> None:
        try:
            if await self._recheck():
                await self._pass_on_held()
        finally:
            self.turn.release()

    async def _pass_on_held(self) -> None:
        while self.held and not self.refused:
            held, self.held = self.held, []
            for seq, frame in held:
                if seq > self.caught_up:
                    await self._send_frame(frame)

    async def _send_frame(self, frame: str) -> None:
        """A frame straight to the server (routing.KeepServerSend): past the session middleware's wrapper."""
        await self.scope[SERVER_SEND]({"type": "websocket.send", "text": frame})

    async def _catch_up(self, after: int) -> None:
        while True:
            batch, more = await database_sync_to_async(self._changed)(after)
            if batch is None:
                await self._refuse()
                return
            for payload in batch:
                await self.send_json({"type": "message", "message": payload})
                after = max(after, payload["seq"])
                self.caught_up = max(self.caught_up, payload["seq"])
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
        await self._refuse()
        return False

    async def _refuse(self) -> None:
        """Closed by a decision: nothing held or still to come is sent."""
        if self.refused:
            return
        self.refused = True
        self.held.clear()
        await self._leave()
        await self.close(code=REFUSED)

    async def chat_recheck(self, event: dict[str, Any]) -> None:
        """Something the decision depends on changed (subscribers.py): decide again now."""
        async with self.turn:
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
