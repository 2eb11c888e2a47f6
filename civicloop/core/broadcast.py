# SPDX-License-Identifier: MPL-2.0
"""Sending to the channel layer's groups from synchronous code: views, actions, workers.

`async_to_sync(layer.group_send)` from a WSGI worker runs each call on a new event loop, and the
Redis channel layer keeps its connections per loop: every chat post paid for a new loop and a new
Redis connection (~1.4 ms, bench/README.md "chat"). Here each process keeps one event loop on a
daemon thread for its sends, so the layer's connection is made once and reused; a forked process
(a gunicorn worker) starts its own.

The in-memory layer of `make run` lives on the ASGI server's own loop, beside its sockets: it is
reached through `async_to_sync` as before, which hands the send to that loop.
"""

import asyncio
import os
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

# How long a send may take before the caller gives up (the layer is down): the message itself is
# already in the database, and sockets catch up from there.
SEND_TIMEOUT_S = 5.0

_lock = threading.Lock()
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
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _publisher_loop())
    future.result(timeout=SEND_TIMEOUT_S)


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """This process's sending loop, started on first use (and again after a fork)."""
    global _loop, _owner_pid
    with _lock:
        if _loop is None or _owner_pid != os.getpid() or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="channel-layer-sends", daemon=True).start()
            _loop, _owner_pid = loop, os.getpid()
        return _loop
