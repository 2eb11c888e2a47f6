# SPDX-License-Identifier: MPL-2.0
"""Typed readers for settings from the environment.

Each reader fails loudly at start-up on a value it cannot parse, so a typo in a deployment
never silently falls back to a development default. Every variable is documented once, in
docs/configuration.md.
"""

import os
import re
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
REDIS_CACHE = "civicloop.core.cache.RedisCache"  # Django's, reusing its Redis clients


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
    return {"BACKEND": REDIS_CACHE, "LOCATION": raw, "KEY_PREFIX": key_prefix}


_FILESYSTEM_STORAGE = "django.core.files.storage.FileSystemStorage"
_S3_STORAGE = "civicloop.core.storage.PrivateS3Storage"
# Bucket names as S3 allows them (3-63 characters: lower-case letters, digits, dots, hyphens).
_S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_S3_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
_S3_CHOICES = {
    "CIVICLOOP_S3_SSE": ("", "AES256", "aws:kms"),
    "CIVICLOOP_S3_ACL": ("private", "bucket-owner-full-control", ""),
    "CIVICLOOP_S3_ADDRESSING_STYLE": ("auto", "path", "virtual"),
}


def _s3_choice(name: str) -> str:
    choices = _S3_CHOICES[name]
    value = os.environ.get(name, choices[0])
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r}: use one of {', '.join(repr(c) for c in choices)}")
    return value


def _s3_endpoint(name: str) -> str | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None  # the provider's own endpoint for the region (AWS)
    parts = urlsplit(raw)
    # The URL is not echoed: someone may have put a key in it.
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username or parts.path not in {"", "/"}:
        raise ImproperlyConfigured(f"{name} must be http(s)://host[:port], without a path or credentials")
    return raw


def _s3_options() -> dict[str, Any]:
    bucket = os.environ.get("CIVICLOOP_S3_BUCKET", "")
    if not _S3_BUCKET.fullmatch(bucket):
        raise ImproperlyConfigured(
            f"CIVICLOOP_S3_BUCKET={bucket!r} is not a bucket name (3-63 of a-z, 0-9, '.', '-')"
            if bucket
            else "CIVICLOOP_S3_BUCKET must be set when CIVICLOOP_STORAGE=s3"
        )
    region = os.environ.get("CIVICLOOP_S3_REGION", "")
    if region and not _S3_REGION.fullmatch(region):
        raise ImproperlyConfigured(f"CIVICLOOP_S3_REGION={region!r} is not a region name (like ap-northeast-1)")
    key_id = os.environ.get("CIVICLOOP_S3_ACCESS_KEY_ID", "")
    secret = os.environ.get("CIVICLOOP_S3_SECRET_ACCESS_KEY", "")
    if bool(key_id) != bool(secret):
        raise ImproperlyConfigured(
            "CIVICLOOP_S3_ACCESS_KEY_ID and CIVICLOOP_S3_SECRET_ACCESS_KEY go together: set both, "
            "or neither for the standard AWS chain (AWS_* variables, profile, instance role)"
        )
    sse, kms_key = _s3_choice("CIVICLOOP_S3_SSE"), os.environ.get("CIVICLOOP_S3_SSE_KMS_KEY_ID", "")
    if kms_key and sse != "aws:kms":
        raise ImproperlyConfigured("CIVICLOOP_S3_SSE_KMS_KEY_ID needs CIVICLOOP_S3_SSE=aws:kms")
    from botocore.config import Config  # only deployments on S3 load boto

    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": _s3_endpoint("CIVICLOOP_S3_ENDPOINT_URL"),
        "region_name": region or None,
        "default_acl": _s3_choice("CIVICLOOP_S3_ACL") or None,
        "object_parameters": {"ServerSideEncryption": sse, **({"SSEKMSKeyId": kms_key} if kms_key else {})}
        if sse
        else {},
        # Like the file system: a name taken is never overwritten (names are UUIDs, so this is a guard).
        "file_overwrite": False,
        "client_config": Config(
            s3={"addressing_style": _s3_choice("CIVICLOOP_S3_ADDRESSING_STYLE")},
            connect_timeout=3,
            read_timeout=30,
            retries={"mode": "standard", "total_max_attempts": 3},
        ),
    }
    if key_id:
        options |= {"access_key": key_id, "secret_key": secret}
    return options


def env_storage(media_root: Path) -> dict[str, Any]:
    """STORAGES["default"]: the folder `media_root` (the default), or an S3 bucket with CIVICLOOP_STORAGE=s3.

    On S3 the objects are private (an ACL, no URL is ever handed out: civicloop.core.storage) and
    optionally encrypted by the server; credentials come from the two CIVICLOOP_S3_* keys or,
    without them, from boto's standard chain. Every CIVICLOOP_S3_* variable is refused with the
    file system, so a deployment that forgot the switch does not write to each node's own disk.
    """
    kind = os.environ.get("CIVICLOOP_STORAGE", "filesystem")
    if kind == "filesystem":
        if stray := sorted(name for name in os.environ if name.startswith("CIVICLOOP_S3_")):
            raise ImproperlyConfigured(f"{', '.join(stray)} set, but CIVICLOOP_STORAGE is not s3")
        return {"BACKEND": _FILESYSTEM_STORAGE, "OPTIONS": {"location": media_root}}
    if kind == "s3":
        return {"BACKEND": _S3_STORAGE, "OPTIONS": _s3_options()}
    raise ImproperlyConfigured(f"CIVICLOOP_STORAGE={kind!r}: use filesystem or s3")
