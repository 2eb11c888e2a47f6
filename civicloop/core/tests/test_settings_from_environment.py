# SPDX-License-Identifier: MPL-2.0
"""config/settings.py read afresh with a given environment: what the deployment gets, before Django starts."""

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured


def test_postgresql_connections_are_health_checked_before_reuse(read_settings: Any) -> None:
    database = read_settings(DATABASE_URL="postgres://civicloop@db.internal:5432/civicloop")["DATABASES"]["default"]
    assert database["ENGINE"] == "civicloop.core.postgresql"  # Django's, with the cheaper check
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["CONN_MAX_AGE"] == 60


def test_the_cache_is_each_processs_memory_unless_a_redis_url_is_given(read_settings: Any) -> None:
    assert read_settings()["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    cache = read_settings(CIVICLOOP_CACHE_URL="redis://:pw@127.0.0.1:6379/1", CIVICLOOP_LG_CODE="011002")["CACHES"]
    assert cache["default"] == {
        "BACKEND": "civicloop.core.cache.RedisCache",
        "LOCATION": "redis://:pw@127.0.0.1:6379/1",
        "KEY_PREFIX": "civicloop:011002",
    }


def test_sessions_are_cached_only_in_a_shared_redis(read_settings: Any) -> None:
    assert read_settings()["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert read_settings(CIVICLOOP_CACHE_URL="redis://127.0.0.1:6379/1")["SESSION_ENGINE"] == "civicloop.core.sessions"


def test_a_cache_url_that_is_not_redis_fails_at_start_without_echoing_it(read_settings: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="CIVICLOOP_CACHE_URL") as refused:
        read_settings(CIVICLOOP_CACHE_URL="memcached://user:secret@cache:11211")
    assert "secret" not in str(refused.value)


@pytest.mark.parametrize("value", ["1", "yes", "i-understand", "I understand"])
def test_the_demo_on_a_public_site_needs_the_exact_words(read_settings: Any, value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="exactly I-understand"):
        read_settings(CIVICLOOP_DEMO_ON_PUBLIC_SITE=value)
    assert read_settings(CIVICLOOP_DEMO_ON_PUBLIC_SITE="I-understand")["DEMO_ON_PUBLIC_SITE"] is True
