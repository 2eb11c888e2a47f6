# SPDX-License-Identifier: MPL-2.0
"""The append-only audit log, hash-chained so that a changed, removed or inserted entry shows.

Each entry's hash covers its own fields and the previous entry's hash. Appends are serialized:
on PostgreSQL with a transaction-scoped advisory lock, on SQLite by its single writer.
"""

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from civicloop.core.models import AuditEntry, Classification

GENESIS = "0" * 64
_LOCK_KEY = 0x63697669  # "civi": one advisory lock for the whole chain


def _digest(entry: AuditEntry) -> str:
    body = json.dumps(
        [
            entry.prev_hash,
            entry.time.isoformat(),
            entry.actor,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.classification,
            entry.data,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    data: Mapping[str, Any] | None = None,
    classification: str = Classification.OFFICIAL,
) -> AuditEntry:
    """Append one entry to the chain; call it from actions, inside their transaction."""
    # No savepoint when the caller already holds a transaction: the entry commits with its change.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            # The lock and the read of the head must be two statements: under READ COMMITTED a
            # statement's snapshot is taken when it starts, so a head read in the same statement
            # as the lock wait could miss the entry committed by the transaction we waited for.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AuditEntry.objects.order_by("-seq").values_list("hash", flat=True).first()
        entry = AuditEntry(
            time=timezone.now(),
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            classification=classification,
            data=dict(data or {}),
            prev_hash=last or GENESIS,
        )
        entry.hash = _digest(entry)
        entry.save()
        return entry


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(entries: Iterator[AuditEntry] | None = None) -> ChainBreak | None:
    """Return the first entry at which the chain breaks, or None when it is intact."""
    prev = GENESIS
    for entry in entries if entries is not None else AuditEntry.objects.order_by("seq").iterator():
        if entry.prev_hash != prev:
            return ChainBreak(entry.seq, "its previous-hash does not match the entry before it (removed or inserted)")
        if _digest(entry) != entry.hash:
            return ChainBreak(entry.seq, "its content does not match its hash (changed)")
        prev = entry.hash
    return None
