# SPDX-License-Identifier: MPL-2.0
"""One process's chat sockets, fed by one channel-layer subscription per chat channel.

A socket that joined its chat channel's group on the channel layer itself cost, per message, a
queue put, a woken task, Channels' `await_many_dispatch` (a new task and an `asyncio.wait`), a
msgpack decode and a dispatch: about 100 µs a delivery, so one ASGI process at a full core could
not pass 50 messages a second on to 200 readers (bench/chat.py's baseline, p99 10.6 s). Here the
process joins each group once, with a channel of its own, and hands each announced frame (already
JSON, serialised once by the broadcast) straight to its local sockets: one layer message per
process, one write per socket. The layer is still Channels' (Redis in production, in memory for
`make run`), so every process of the `asgi` role gets every announcement, as before.

A socket decides what to do with a frame (`Reader.offer`): pass it on, hold it while it catches up
or while its reader's right to read is asked again. A frame that is lost (the layer dropped it, a
process was restarting) is not lost to the reader: the next frame's `seq` shows the gap and the
client asks for everything after the last one it saw, from the database (static/js/chat.js).
"""

import asyncio
import logging
import weakref
from typing import Any, Protocol

from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

MESSAGE_TYPE = "chat.message"


class Reader(Protocol):
    async def offer(self, seq: int, frame: str) -> None:
        """Pass `frame` (change `seq` of the channel) on, or hold it; never wait for the database."""


class LocalGroups:
    """The sockets of one event loop by group, and the one layer channel that receives for them all."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.members: dict[str, set[Reader]] = {}
        self.channel: str | None = None
        self.receiving: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()  # joins and leaves in order: a group is never added after its discard

    async def join(self, group: str, reader: Reader) -> None:
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                self.receiving = asyncio.create_task(self._receive(self.channel), name="chat-fanout")
            readers = self.members.setdefault(group, set())
            if not readers:
                await self.layer.group_add(group, self.channel)
            readers.add(reader)

    async def leave(self, group: str, reader: Reader) -> None:
        async with self.lock:
            readers = self.members.get(group)
            if readers is None or reader not in readers:
                return
            readers.discard(reader)
            if readers:
                return
            del self.members[group]
            await self.layer.group_discard(group, self.channel)
            if not self.members and self.receiving is not None:
                # Nobody left in this process: stop receiving (the pub/sub layer unsubscribes the channel).
                self.receiving.cancel()
                self.receiving, self.channel = None, None

    async def _receive(self, channel: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # the layer is down: readers catch up from the database later
                log.exception("chat fan-out: receiving from the channel layer failed")
                await asyncio.sleep(1.0)
                continue
            await self.deliver(message)

    async def deliver(self, message: dict[str, Any]) -> None:
        """Offer an announced frame to each local reader of its group, in turn.

        In turn is safe because neither server we run waits for the network in a websocket's `send`:
        uvicorn's `websockets-sansio` (the `asgi` role) and daphne (`make run`, `Server.handle_reply`
        writes into Twisted's buffer) both queue the frame and return, so a slow reader never holds up
        the others. A server whose `send` waited for the socket to drain would need a task per reader.
        """
        if message.get("type") != MESSAGE_TYPE:
            return
        seq, frame = int(message["seq"]), str(message["frame"])
        for reader in list(self.members.get(message["group"], ())):
            try:
                await reader.offer(seq, frame)
            except Exception:  # one socket's failure (closed under us) is not the others'
                log.exception("chat fan-out: a socket could not take a frame")


_by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalGroups]" = weakref.WeakKeyDictionary()


def local_groups() -> LocalGroups:
    """This event loop's fan-out (an ASGI server runs one loop per process; tests run several)."""
    loop = asyncio.get_running_loop()
    groups = _by_loop.get(loop)
    if groups is None:
        groups = _by_loop[loop] = LocalGroups(get_channel_layer())
    return groups
