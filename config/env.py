# SPDX-License-Identifier: MPL-2.0
"""Typed readers for settings from the environment.

Each reader fails loudly at start-up on a value it cannot parse, so a typo in a deployment
never silently falls back to a development default. Every variable is documented once, in
docs/configuration.md.
"""

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


def env_float(name: str, default: float, *, minimum: float | None = None, maximum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ImproperlyConfigured(f"{name}={value} is outside [{minimum}, {maximum}]")
    return value


_MEMORY_CACHE = "django.core.cache.backends.locmem.LocMemCache"
_REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


def env_cache(name: str, *, key_prefix: str) -> dict[str, Any]:
    """A Django cache from a URL: empty for each process's own memory, redis://, rediss:// or unix:// for Redis.

    Django's file and database caches are not offered: their `incr` reads and writes back, so two
    processes counting at once lose counts, and rate limits need an atomic count.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {"BACKEND": _MEMORY_CACHE}
    scheme = urlsplit(raw).scheme
    if scheme not in {"redis", "rediss", "unix"}:
        # The URL may carry a password: name only its scheme.
        raise ImproperlyConfigured(
            f"{name}: {scheme or 'no'} scheme; use redis://, rediss:// or unix://, or leave it empty"
        )
    return {"BACKEND": _REDIS_CACHE, "LOCATION": raw, "KEY_PREFIX": key_prefix}
