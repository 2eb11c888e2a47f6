# SPDX-License-Identifier: MPL-2.0
"""A short-lived, per-process cache of published procedures for the submission hot path.

The API looks a procedure up on every submission; the catalogue changes a few times a year.
A newly loaded version reaches other processes within CIVICLOOP_CATALOG_CACHE_SECONDS (an
application still keeps whichever version it was validated against). 0 turns the cache off.
"""

import time

from django.conf import settings

from civicloop.catalog.models import Procedure

_entries: dict[str, tuple[float, Procedure | None]] = {}


def published_procedure(code: str) -> Procedure | None:
    """The published procedure with its current version and department, or None."""
    ttl = settings.CATALOG_CACHE_SECONDS
    now = time.monotonic()
    if ttl > 0:
        hit = _entries.get(code)
        if hit is not None and hit[0] > now:
            return hit[1]
    procedure = (
        Procedure.objects.published()
        .select_related("current_version", "department")
        .filter(code=code)
        .order_by()
        .first()
    )
    if ttl > 0 and len(code) <= 60:
        if len(_entries) > 1000:  # unknown codes cannot grow the cache without bound
            _entries.clear()
        _entries[code] = (now + ttl, procedure)
    return procedure


def clear() -> None:
    _entries.clear()
