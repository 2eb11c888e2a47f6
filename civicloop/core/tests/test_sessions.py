# SPDX-License-Identifier: MPL-2.0
"""Sessions in a shared Redis (civicloop/core/sessions.py): read without the database, never stale.

Each test uses a Redis key prefix of its own (other runs share the server) and skips when no Redis
answers on 127.0.0.1:6379 (.ci/run starts one).
"""

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicloop.accounts.models import User
from civicloop.core.sessions import SessionStore
from civicloop.testing import redis_server


@pytest.fixture(autouse=True)
def redis_sessions(settings: Any) -> Iterator[None]:
    settings.CACHES = redis_server.cache_settings()
    settings.SESSION_ENGINE = "civicloop.core.sessions"
    settings.SESSION_CACHE_SECONDS = 120
    yield


class RedisDown(redis.ConnectionError):
    pass


def _down(*args: Any, **kwargs: Any) -> None:
    raise RedisDown("Connection refused")


def _signed_in(user: User) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client, client.cookies["sessionid"].value


@pytest.mark.django_db
def test_a_signed_in_request_reads_its_session_from_redis_not_the_database(resident: User) -> None:
    client, _key = _signed_in(resident)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/applications/")
    assert page.status_code == 200
    assert page.context["user"] == resident
    assert not [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]


@pytest.mark.django_db
def test_signing_out_in_one_process_ends_the_session_in_every_other(resident: User) -> None:
    client, key = _signed_in(resident)
    assert client.get("/applications/").status_code == 200  # the session is now in Redis
    other_worker = SessionStore(key)
    assert other_worker.load()  # what another process would serve
    SessionStore(key).flush()  # sign-out, as logout() does in this process
    assert SessionStore(key).load() == {}
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/applications/").status_code == 302  # to sign-in


@pytest.mark.django_db
def test_a_cached_copy_expires_after_session_cache_seconds(resident: User) -> None:
    _client, key = _signed_in(resident)
    store = SessionStore(key)
    store.load()
    ttl = redis.Redis.from_url(redis_server.REDIS_URL).ttl(cache.make_key(store.cache_key))
    assert 0 < ttl <= 120


@pytest.mark.django_db
def test_while_redis_is_down_sessions_are_read_from_the_database(resident: User, monkeypatch: Any) -> None:
    client, key = _signed_in(resident)
    monkeypatch.setattr(RedisCache, "get", _down)
    monkeypatch.setattr(RedisCache, "set", _down)
    assert SessionStore(key).load()  # the record, not an error and not an empty (signed-out) session
    page = client.get("/applications/")
    assert page.status_code == 200
    assert page.context["user"] == resident


@pytest.mark.django_db
def test_a_write_redis_did_not_take_fails_and_drops_the_old_copy(resident: User, monkeypatch: Any) -> None:
    _client, key = _signed_in(resident)
    store = SessionStore(key)
    store["step"] = "old"
    store.save()
    monkeypatch.setattr(RedisCache, "set", _down)
    store["step"] = "new"
    with pytest.raises(RedisDown):
        store.save()
    monkeypatch.undo()
    assert SessionStore(key).load()["step"] == "new"  # from the database: the old copy is gone


@pytest.mark.django_db
def test_a_sign_out_redis_refuses_signs_out_nothing_half_way(resident: User, monkeypatch: Any) -> None:
    _client, key = _signed_in(resident)
    SessionStore(key).load()
    monkeypatch.setattr(RedisCache, "delete", _down)
    with pytest.raises(RedisDown):
        SessionStore(key).flush()
    monkeypatch.undo()
    # Nothing changed: the session is whole in both places, and the next sign-out ends it.
    assert Session.objects.filter(session_key=key).exists()
    SessionStore(key).flush()
    assert SessionStore(key).load() == {}
