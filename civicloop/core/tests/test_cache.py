# SPDX-License-Identifier: MPL-2.0
"""The Redis cache keeps one client per connection pool (core.cache) and still works as Django's."""

from typing import Any, cast

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from civicloop.core.cache import RedisCache


def test_one_client_per_pool_is_reused() -> None:
    cache = RedisCache("redis://127.0.0.1:1/0", {})  # no connection is opened until a command is sent
    assert isinstance(cache, DjangoRedisCache)
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client  # one server: reads and writes share the pool
    assert client.connection_pool is cast(Any, cache._cache)._get_connection_pool(True)  # Django's own pool


def test_each_server_keeps_its_own_client() -> None:
    cache = RedisCache("redis://127.0.0.1:1/0,redis://127.0.0.1:2/0", {})
    writer = cache._cache.get_client(write=True)
    reader = cache._cache.get_client()  # reads go to the other server
    assert reader is not writer
    assert reader.connection_pool.connection_kwargs["port"] == 2
    assert cache._cache.get_client() is reader
