# SPDX-License-Identifier: MPL-2.0
"""What the public catalogue pages show, kept in Django's cache under the catalogue's version.

Every resident sees the same catalogue: the same procedures, counts and related links; only the
header (signed in or not), the CSRF token and the start form differ per request. The catalogue
changes when `load_catalog` runs (a few times a year) or a department is renamed in the admin,
so what a page shows of it is computed once per catalogue version, not once per request
(bench/README.md, "Load": the related list alone was a third of the web workers' CPU). Nothing
per user, per session or per request is ever stored here: callers cache catalogue data and
HTML fragments that hold none of it, keyed by the language they were rendered in.

The version is a random token in the cache (`catalog:version`). A load or a department change
forgets it, at once and again after its transaction commits (`forget_version`); the next reader
makes a new token, so nothing stored under the old one is read again (it expires). Each process
reads the token at most once a second (TOKEN_SECONDS) and keeps a copy of what it read under it
in its own memory. With Redis (`SHARED_CACHE`) every process sees the new token within a second. With each process's own memory (`make
run`), a `manage.py load_catalog` in another process cannot reach the server's memory, so there
the token lives CIVICLOOP_CATALOG_CACHE_SECONDS: the same delay as the submission cache
(cache.py). 0 turns this cache off (the tests' default). A cache that fails (Redis down) serves
the pages from the database.
"""

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")
VERSION_KEY = "catalog:version"
# What is stored under an old version is never read again; a day bounds the memory it holds.
ENTRY_SECONDS = 24 * 3600
# How long a process trusts the token it last read. A page asks for it several times, and each
# read was a Redis round trip (5% of the web workers' CPU in the mixed load, bench/README.md).
TOKEN_SECONDS = 1.0
# What this process read or stored under the current token, kept in its memory too: an entry never
# changes under one token, and the catalogue's fragments and data are well under this many.
MAX_COPIES = 2000

# (until when it is trusted, token) and the copies made under it.
_known: tuple[float, str] | None = None
_copies: dict[str, object] = {}


def _code_fingerprint() -> str:
    """This app's code and templates: a deploy that changes what is cached never reads the old shapes."""
    global _fingerprint
    if not _fingerprint:
        app_dir = Path(__file__).parent
        digest = hashlib.sha256()
        for path in sorted([*app_dir.rglob("*.py"), *(settings.BASE_DIR / "templates" / "catalog").glob("*.html")]):
            if "tests" not in path.parts and "migrations" not in path.parts:
                digest.update(path.read_bytes())
        _fingerprint = digest.hexdigest()[:12]
    return _fingerprint


_fingerprint = ""


def _lifetime() -> int:
    return ENTRY_SECONDS if settings.SHARED_CACHE else settings.CATALOG_CACHE_SECONDS


def version() -> str | None:
    """The catalogue's current version token; None when the cache is off or does not answer."""
    global _known
    if settings.CATALOG_CACHE_SECONDS == 0:
        return None
    now = time.monotonic()
    if _known is not None and _known[0] > now:
        return _known[1]
    try:
        token: str | None = cache.get(VERSION_KEY)
        if token is None:
            token = secrets.token_hex(8)
            # Two processes racing to make the first token agree on whichever was stored first.
            if not cache.add(VERSION_KEY, token, timeout=None if settings.SHARED_CACHE else _lifetime()):
                token = cache.get(VERSION_KEY) or token
    except Exception:  # a cache that fails must not fail the page
        logger.warning("catalogue cache unavailable", exc_info=True)
        return None
    if _known is None or _known[1] != token:
        _copies.clear()
    _known = (now + TOKEN_SECONDS, token)
    return token


def _delete_version() -> None:
    global _known
    _known = None
    _copies.clear()
    try:
        cache.delete(VERSION_KEY)
    except Exception:
        logger.warning("catalogue cache unavailable: the version could not be forgotten", exc_info=True)


def forget_version() -> None:
    """Make every page compute the catalogue afresh: now, and once the current transaction commits.

    Now, so this process never serves the old catalogue once the change is made; after the commit
    too, so a page another process computed from the rows before the commit, under a token made in
    between, is not kept either. Other processes see the new version within TOKEN_SECONDS.
    """
    _delete_version()
    transaction.on_commit(_delete_version)


def key(name: str, *parts: Hashable) -> str | None:
    """A cache key for `name` and `parts` under the current version; None when the cache is off."""
    token = version()
    if token is None:
        return None
    return ":".join(["catalog", token, _code_fingerprint(), name, *(str(p) for p in parts)])


def remember(name: str, parts: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """`compute()`, stored under the catalogue's version, `name` and `parts`. Never per-user data."""
    entry = key(name, *parts)
    if entry is None:
        return compute()
    hit = load(entry)
    if hit is not None:
        return hit  # type: ignore[return-value]
    value = compute()
    if value is not None:  # "none" is not kept: an unknown code a visitor types must not take memory
        store(entry, value)
    return value


def load(entry: str) -> object | None:
    """What is stored under `entry` (from `key`), or None."""
    if (copy := _copies.get(entry)) is not None:
        return copy
    try:
        value: object | None = cache.get(entry)
    except Exception:
        logger.warning("catalogue cache unavailable", exc_info=True)
        return None
    if value is not None:
        _keep_copy(entry, value)
    return value


def store(entry: str, value: object) -> None:
    _keep_copy(entry, value)
    try:
        cache.set(entry, value, timeout=_lifetime())
    except Exception:
        logger.warning("catalogue cache unavailable", exc_info=True)


def _keep_copy(entry: str, value: object) -> None:
    if len(_copies) >= MAX_COPIES:
        _copies.clear()
    _copies[entry] = value
