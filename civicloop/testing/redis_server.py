# SPDX-License-Identifier: MPL-2.0
"""The machine's Redis for tests that need a real one: skip when none answers, share it without collisions.

Several test runs (and xdist workers) use the same server, so each caller gets a key prefix of its
own. .ci/run starts Redis on 127.0.0.1:6379 when it is not running.
"""

import uuid
from typing import Any

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379/1"
NOT_RUNNING = "Redis is not running on 127.0.0.1:6379 (.ci/run starts it: redis-server --daemonize yes …)"


def answers(url: str = REDIS_URL) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def require(url: str = REDIS_URL) -> str:
    """The url, or skip the calling test when no Redis answers there."""
    if not answers(url):
        pytest.skip(NOT_RUNNING)
    return url


def cache_settings(url: str = REDIS_URL) -> dict[str, Any]:
    """CACHES for Django's Redis cache on that server, under a prefix no other run uses; skips without Redis."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": require(url),
            "KEY_PREFIX": f"civicloop-test-{uuid.uuid4()}",
        }
    }
