# SPDX-License-Identifier: MPL-2.0
"""Redis as the relay's doorbell: publish after a commit that recorded events, wait for it.

Redis carries no events, only "something new was committed". The outbox table stays the truth:
a lost message, a Redis outage or an empty CIVICLOOP_REDIS_URL only means the relay notices on its
next poll (RELAY_POLL_SECONDS) instead of at once. After a failure Redis is left alone for a few
seconds so a request never waits on a dead server more than once in that time.
"""

import contextlib
import logging
import time

import redis
from django.conf import settings

log = logging.getLogger("civicloop.relay")

_CONNECT_TIMEOUT_S = 0.25
_QUIET_AFTER_FAILURE_S = 10.0
_clients: dict[str, redis.Redis] = {}
_down_until: dict[str, float] = {}


def _client() -> redis.Redis | None:
    url = settings.CIVICLOOP_REDIS_URL
    if not url or _down_until.get(url, 0.0) > time.monotonic():
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=_CONNECT_TIMEOUT_S, socket_timeout=_CONNECT_TIMEOUT_S
        )
    return _clients[url]


def _mark_down(exc: Exception) -> None:
    url = settings.CIVICLOOP_REDIS_URL
    if _down_until.get(url, 0.0) <= time.monotonic():
        log.warning("Redis at %s unavailable (%s); the relay falls back to polling", _redacted(url), exc)
    _down_until[url] = time.monotonic() + _QUIET_AFTER_FAILURE_S


def _redacted(url: str) -> str:
    return url.split("@", 1)[-1]  # never log a password in the URL


def publish_wakeup() -> bool:
    """Ring the bell (called after commit by core.events); True when Redis took the message."""
    client = _client()
    if client is None:
        return False
    try:
        client.publish(settings.RELAY_WAKEUP_CHANNEL, b"1")
    except redis.RedisError as exc:
        _mark_down(exc)
        return False
    return True


_last_ring = [0.0]  # when this process last rang (time.monotonic)


def ring_after_commit() -> None:
    """Ring after a commit that recorded events, unless this process rang under half a gather ago.

    A relay woken by a ring lets events gather for RELAY_GATHER_SECONDS before its pass
    (relay.run_forever), so that pass starts after every commit of the next half gather: their
    own rings would only wake it again for nothing. Under steady submissions that was a Redis
    PUBLISH per request (~3% of a submission's CPU). With RELAY_GATHER_SECONDS at 0, every
    commit rings.
    """
    now = time.monotonic()
    if now - _last_ring[0] < settings.RELAY_GATHER_SECONDS / 2:
        return
    _last_ring[0] = now
    publish_wakeup()


class Waiter:
    """A relay loop's subscription; `wait()` returns early when a wake-up arrives."""

    def __init__(self) -> None:
        self._pubsub: redis.client.PubSub | None = None

    def _subscribe(self) -> redis.client.PubSub | None:
        if self._pubsub is None:
            client = _client()
            if client is None:
                return None
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(settings.RELAY_WAKEUP_CHANNEL)
            except redis.RedisError as exc:
                _mark_down(exc)
                return None
            self._pubsub = pubsub
        return self._pubsub

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds; True if woken by a message, False on timeout or outage."""
        pubsub = self._subscribe()
        if pubsub is None:
            time.sleep(timeout)
            return False
        deadline = time.monotonic() + timeout
        try:
            while (left := deadline - time.monotonic()) > 0:
                if pubsub.get_message(timeout=left) is not None:
                    while pubsub.get_message(timeout=0) is not None:  # drain: one pass serves them all
                        pass
                    return True
        except redis.RedisError as exc:
            _mark_down(exc)
            self.close()
            time.sleep(max(0.0, deadline - time.monotonic()))
        return False

    def close(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(redis.RedisError):
                self._pubsub.close()
            self._pubsub = None
