# SPDX-License-Identifier: MPL-2.0
"""Sending to the channel layer's groups from synchronous code: views, actions, workers.

`async_to_sync(layer.group_send)` from a WSGI worker runs each call on a new event loop, and the
Redis channel layer keeps its connections per loop: every chat post paid for a new loop and a new
Redis connection (~1.4 ms, bench/README.md "chat"). Here each process keeps one event loop on a
daemon thread for its sends, so the layer's connection is made once and reused; a forked process
(a gunicorn worker) starts its own.

The caller does not wait for the Redis layer's answer: a send is handed to that loop and the
request goes on (a chat post's median went from ~22 to ~16 ms, bench/chat.py). Sends keep their
order (one loop per process); one that fails or takes longer than `SEND_TIMEOUT_S` is logged, and
sockets catch up from the database as they would after any lost frame. A process that exits waits
up to `SEND_TIMEOUT_S` for the sends it handed over.

The in-memory layer of `make run` lives on the ASGI server's own loop, beside its sockets: it is
reached through `async_to_sync` as before, which hands the send to that loop.
"""

import asyncio
import atexit
import concurrent.futures
import logging
import os
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

# How long a send may take before the caller gives up (the layer is down): the message itself is
# already in the database, and sockets catch up from there.
SEND_TIMEOUT_S = 5.0

log = logging.getLogger(__name__)
_lock = threading.Lock()
_pending: set["concurrent.futures.Future[None]"] = set()
_loop: asyncio.AbstractEventLoop | None = None
_owner_pid = 0


def group_send(group: str, message: dict[str, Any]) -> None:
    """Send `message` to `group` on the default channel layer; nothing when there is no layer."""
    layer: Any = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.group_send)(group, message)
        return
    send = asyncio.wait_for(layer.group_send(group, message), SEND_TIMEOUT_S)
    future = asyncio.run_coroutine_threadsafe(send, _publisher_loop())
    _pending.add(future)
    future.add_done_callback(_settled)


def _settled(future: "concurrent.futures.Future[None]") -> None:
    _pending.discard(future)
    if not future.cancelled() and future.exception() is not None:
        log.warning("channel layer send failed: %r", future.exception())


@atexit.register
def _wait_for_pending_sends() -> None:
    concurrent.futures.wait(list(_pending), timeout=SEND_TIMEOUT_S)


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """This process's sending loop, started on first use (and again after a fork)."""
    global _loop, _owner_pid
    with _lock:
        if _loop is None or _owner_pid != os.getpid() or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="channel-layer-sends", daemon=True).start()
            _loop, _owner_pid = loop, os.getpid()
        return _loop
