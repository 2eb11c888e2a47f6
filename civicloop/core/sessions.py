# SPDX-License-Identifier: MPL-2.0
"""Sessions read from the shared cache and kept in the database, failing closed.

With a shared Redis (CIVICLOOP_CACHE_URL), settings.SESSION_ENGINE points here: a signed-in
request reads its session from Redis instead of querying `django_session`, and every write goes to
the database first, then to Redis. The database stays the record: a cache that lost its data
(restart, eviction) is filled again from it.

Django's own `cached_db` logs a failed cache write and carries on, so after a Redis blip the cache
can keep serving a copy the database no longer agrees with: a session signed out, or moved to
another device, alive again when Redis answers. Here every change clears the cached copy before it
writes the database (if Redis does not answer, the request fails before anything changed), a
sign-out clears it again after the row is gone (a request that read the row in between), and no
cached copy lives longer than SESSION_CACHE_SECONDS, which bounds the races that remain. While Redis is down,
sessions are read from the database: reading the record is never stale.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.cache.backends.base import BaseCache
from redis import RedisError

logger = logging.getLogger(__name__)


class SessionStore(CachedDBStore):
    # Set by Django's stores, missing from django-stubs.
    _cache: BaseCache
    _session: dict[str, Any]
    _get_session_from_db: Callable[[], AbstractBaseSession | None]

    def _cache_seconds(self, **expiry: Any) -> int:
        return max(1, min(self.get_expiry_age(**expiry), settings.SESSION_CACHE_SECONDS))

    def load(self) -> dict[str, Any]:
        try:
            data = self._cache.get(self.cache_key)
        except RedisError:
            # Redis does not answer: the database is the record, read it (and keep no copy).
            logger.warning("session cache unavailable; session read from the database", exc_info=True)
            return self._from_database(cache=False)
        if data is not None:
            return data  # type: ignore[no-any-return]
        return self._from_database(cache=True)

    def _from_database(self, *, cache: bool) -> dict[str, Any]:
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data: dict[str, Any] = self.decode(stored.session_data)
        if cache:
            self._cache.set(self.cache_key, data, self._cache_seconds(expiry=stored.expire_date))
        return data

    def save(self, must_create: bool = False) -> None:
        if self.session_key is not None:  # (a new session has no copy; asking for its key would make one)
            self._cache.delete(self.cache_key)  # first: if Redis does not answer, nothing has changed
        DBStore.save(self, must_create)
        self._cache.set(self.cache_key, self._session, self._cache_seconds())  # fails: no old copy is left

    def delete(self, session_key: str | None = None) -> None:
        key = session_key or self.session_key
        if key is None:
            return
        cached = self.cache_key_prefix + key
        self._cache.delete(cached)  # first: if Redis does not answer, nothing is signed out half-way
        DBStore.delete(self, key)
        self._cache.delete(cached)  # again: a request that read the row in between cached it anew
