# SPDX-License-Identifier: MPL-2.0
"""What someone with write access to the database can do to the audit log, for the tests that must catch it."""

from typing import Any

from django.db.models import QuerySet

from civicloop.core import audit
from civicloop.core.models import AuditEntry


def erase(rows: "QuerySet[Any]") -> None:
    """Delete the rows with one SQL DELETE, past the model: AuditEntry.delete refuses, as it should,
    and no signal or cascade runs (what a DELETE typed at the database does)."""
    rows._raw_delete(rows.db)


def rewrite_entry(seq: int, *, key: audit.AuditKey | None = None, **changes: str) -> None:
    """Change one entry and recompute its hash and every hash after it, so the chain links again.

    Without the audit key the HMACs stay as they were; with it (`key`), they are recomputed too.
    QuerySet.update, as SQL would: the model itself refuses to save an existing entry.
    """
    prev = AuditEntry.objects.filter(seq__lt=seq).order_by("-seq").values_list("hash", flat=True).first()
    prev = prev or audit.GENESIS
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        if entry.seq == seq:
            for field, value in changes.items():
                setattr(entry, field, value)
        entry.prev_hash = prev
        entry.hash = audit._digest(entry)
        fields = {**changes} if entry.seq == seq else {}
        fields |= {"prev_hash": entry.prev_hash, "hash": entry.hash}
        if key is not None:
            fields |= {"key_id": key.id, "mac": audit.seal(key, entry.hash)}
        AuditEntry.objects.filter(seq=entry.seq).update(**fields)
        prev = entry.hash


def remove_newest(n: int) -> None:
    """Cut the newest `n` entries off: the rest is still a sound chain."""
    newest = list(AuditEntry.objects.order_by("-seq").values_list("seq", flat=True)[:n])
    erase(AuditEntry.objects.filter(seq__in=newest))
