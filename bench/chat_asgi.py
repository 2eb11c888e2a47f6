# SPDX-License-Identifier: MPL-2.0
"""The ASGI application bench/chat.py serves: the product's (config/asgi.py) plus a baseline socket.

`/ws/bench/baseline/` joins one group through the process's chat fan-out (civicloop/collab/fanout.py)
and passes on what is announced to it, with no session, no database and no access check: the
transport alone (uvicorn, the Redis channel layer, the fan-out to every socket), the floor under
the chat's delivery latency. Served only by the bench.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from civicloop.collab import fanout
from config.asgi import application as product

BASELINE_GROUP = "bench.baseline"


class BaselineConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels is untyped
    async def connect(self) -> None:
        await fanout.local_groups().join(BASELINE_GROUP, self)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await fanout.local_groups().leave(BASELINE_GROUP, self)

    async def offer(self, seq: int, frame: str) -> None:
        await self.send(text_data=frame)


_baseline = BaselineConsumer.as_asgi()


async def application(scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any) -> None:
    if scope["type"] == "websocket" and scope["path"] == "/ws/bench/baseline/":
        await _baseline(scope, receive, send)
    else:
        await product(scope, receive, send)
