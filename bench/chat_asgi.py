# SPDX-License-Identifier: MPL-2.0
"""The ASGI application bench/chat.py serves: the product's (config/asgi.py) plus a baseline socket.

`/ws/bench/baseline/` joins one channel-layer group and passes on what is sent to it, with no
session, no database and no access check: the transport alone (daphne, the Redis channel layer,
the fan-out to every socket), the floor under the chat's delivery latency. Served only by the bench.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from config.asgi import application as product

BASELINE_GROUP = "bench.baseline"


class BaselineConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels is untyped
    async def connect(self) -> None:
        await self.channel_layer.group_add(BASELINE_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(BASELINE_GROUP, self.channel_name)

    async def bench_broadcast(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])


_baseline = BaselineConsumer.as_asgi()


async def application(scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any) -> None:
    if scope["type"] == "websocket" and scope["path"] == "/ws/bench/baseline/":
        await _baseline(scope, receive, send)
    else:
        await product(scope, receive, send)
