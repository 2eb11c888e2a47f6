# SPDX-License-Identifier: MPL-2.0
"""The checks behind /readyz: can this process serve requests now? (docs/operations.md)

Each check reports ok, a short detail and how long it took. A failed *required* check makes the
answer 503; the relay's Redis is reported but not required, because it only rings the relay's
doorbell: with it down the relay polls and loses nothing (relay.md), and the outbox-lag check
shows the consequence if there is one. Details name the kind of failure, never a host, a user
name or an error text (the endpoint is public); the full error goes to the log.
"""

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import DatabaseError, connection

from civicloop.ops import backlog

log = logging.getLogger("civicloop.ops")

_REDIS_TIMEOUT_S = 1.0
# At the top of the bucket, beside attachments/ and documents/; never referred to by a row.
STORAGE_MARKER = ".civicloop-readyz"
_redis_clients: dict[str, redis.Redis] = {}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    duration_ms: float
    required: bool = True

    @property
    def fails(self) -> bool:
        return self.required and not self.ok


@dataclass(frozen=True)
class Readiness:
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return not any(check.fails for check in self.checks)


class NotReady(Exception):
    """A check's failure, with the short detail it reports."""


def _timed(name: str, probe: Callable[[], str], *, required: bool = True) -> Check:
    started = time.perf_counter()
    try:
        detail, ok = probe(), True
    except NotReady as exc:
        detail, ok = str(exc), False
    except Exception as exc:  # whatever broke, the probe answers; the log keeps the error
        log.warning("readiness check %s failed", name, exc_info=True)
        detail, ok = f"unavailable: {type(exc).__name__}", False
    return Check(name, ok, detail, round((time.perf_counter() - started) * 1000, 1), required)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        log.warning("readiness: the database does not answer", exc_info=True)
        raise NotReady(f"unavailable: {type(exc).__name__}") from exc
    return "SELECT 1 answered"


def _redis_ping(url: str) -> str:
    if url not in _redis_clients:
        _redis_clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=_REDIS_TIMEOUT_S, socket_timeout=_REDIS_TIMEOUT_S
        )
    try:
        _redis_clients[url].ping()
    except redis.RedisError as exc:
        log.warning("readiness: Redis does not answer PING", exc_info=True)
        raise NotReady(f"unavailable: {type(exc).__name__}") from exc
    return "PING answered"


def _storage() -> str:
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        # Write and remove a file: a read-only mount or a full disk fails here, not at an upload.
        folder = Path(storage.location)
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".readyz-", delete=True) as probe:
            probe.write(b"ok")
            probe.flush()
        return "writable"
    # An S3 bucket offers a twin with one try and short timeouts (civicloop/core/storage.py); asked
    # for by name so that a file-system deployment never loads boto.
    return _object_storage(getattr(storage, "for_probes", storage))


def _object_storage(storage: Storage) -> str:
    """Look up one small object, and write it when it is missing.

    The lookup proves the endpoint, the credentials and the read permission on every probe; a
    bucket that is gone (or was never made) shows as a missing object whose write then fails.
    Not a write every time: with versioning on (operations.md) each probe would leave a version
    behind, thousands a day per web node.
    """
    if storage.exists(STORAGE_MARKER):
        return "marker object present"
    stored = storage.save(STORAGE_MARKER, ContentFile(b"civicloop /readyz marker\n"))
    if stored != STORAGE_MARKER:  # another node wrote it in the meantime: keep theirs
        storage.delete(stored)
    return "marker object written"


def _within(limit: int, lag_seconds: float, detail: str, *, behind: str = "") -> str:
    """The detail when the lag is within the limit (0: no limit, reported only), else NotReady."""
    if limit and lag_seconds > limit:
        raise NotReady(f"{detail}; over {limit} s{behind}")
    return detail


def _outbox_lag() -> str:
    outbox = backlog.outbox_backlog()
    return _within(
        settings.READY_OUTBOX_LAG_SECONDS,
        outbox.lag_seconds,
        f"oldest event waiting {outbox.lag_seconds:.0f} s; {outbox.unsequenced} not yet numbered",
        behind=f" (behind: {', '.join(outbox.behind) or 'the relay'})",
    )


def _queue_lag() -> str:
    notices = backlog.notice_backlog()
    return _within(
        settings.READY_QUEUE_LAG_SECONDS,
        notices.lag_seconds,
        f"{sum(notices.waiting.values())} notices waiting; the oldest due for {notices.lag_seconds:.0f} s",
    )


def check_readiness() -> Readiness:
    """Run every check in turn. The lag checks read the database, so they are skipped when it is down."""
    checks = [_timed("database", _database)]
    if settings.SHARED_CACHE:
        checks.append(_timed("cache", lambda: _redis_ping(settings.CACHES["default"]["LOCATION"])))
    if settings.CIVICLOOP_REDIS_URL:
        checks.append(_timed("relay_wakeup", lambda: _redis_ping(settings.CIVICLOOP_REDIS_URL), required=False))
    checks.append(_timed("storage", _storage))
    if checks[0].ok:
        checks += [_timed("outbox_lag", _outbox_lag), _timed("queue_lag", _queue_lag)]
    else:
        checks += [
            Check(name, False, "skipped: the database is unavailable", 0.0) for name in ("outbox_lag", "queue_lag")
        ]
    return Readiness(checks)
