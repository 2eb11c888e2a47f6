# SPDX-License-Identifier: MPL-2.0
"""Sends from synchronous code reach the sockets' groups, on one loop (and connection) per process."""

import asyncio
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from channels.layers import channel_layers, get_channel_layer

from civicloop.core import broadcast
from civicloop.testing import redis_server


@pytest.fixture
def redis_layer(settings: Any) -> Iterator[None]:
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis_server.require()], "prefix": f"civicloop-test-{uuid.uuid4().hex}"},
        }
    }
    channel_layers.backends.pop("default", None)
    yield
    channel_layers.backends.pop("default", None)


def _heard(group: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a socket in `group`, on a loop of its own, receives while sync code sends `messages`."""

    async def listen() -> list[dict[str, Any]]:
        layer: Any = get_channel_layer()
        name = await layer.new_channel()
        await layer.group_add(group, name)
        loop = asyncio.get_running_loop()
        for message in messages:
            await loop.run_in_executor(None, broadcast.group_send, group, message)
        heard = [await asyncio.wait_for(layer.receive(name), 5) for _ in messages]
        await layer.flush()
        return heard

    # On a thread of its own: a browser test earlier in this worker may leave a loop running here.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, listen()).result()


def test_sends_from_sync_code_reach_the_group_in_order(redis_layer: None) -> None:
    sent = [{"type": "chat.message", "frame": f"frame {n}"} for n in range(3)]
    assert _heard("chat.test", sent) == sent


def test_every_send_of_a_process_uses_its_one_loop(redis_layer: None) -> None:
    _heard("chat.test", [{"type": "chat.recheck"}])
    first = broadcast._publisher_loop()
    _heard("chat.test", [{"type": "chat.recheck"}, {"type": "chat.recheck"}])
    assert broadcast._publisher_loop() is first and first.is_running()


def test_without_a_layer_nothing_is_sent_and_nothing_fails(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {}
    channel_layers.backends.pop("default", None)
    try:
        broadcast.group_send("chat.test", {"type": "chat.recheck"})
    finally:
        channel_layers.backends.pop("default", None)
