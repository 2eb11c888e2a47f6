# SPDX-License-Identifier: MPL-2.0
"""The append-only audit log: hash-chained, and each hash sealed with a key the database does not hold.

Each entry's hash covers its own fields and the previous entry's hash, so a changed, removed or
inserted entry breaks the chain. Someone who can write to the database could still rewrite an
entry and recompute every hash after it; the HMAC over each hash (`AUDIT_KEY`, kept outside the
database) stops that. Cutting off the newest entries leaves a valid chain: the signed checkpoints
kept outside the database (`core.audit_checkpoints`) catch that, through `anchors` below.

Appends are serialized: on PostgreSQL with a transaction-scoped advisory lock, on SQLite by its
single writer. The key ring: the current key seals new entries; retired keys (newest first) only
verify the entries they sealed. docs/security.md, "Audit chain anchoring".
"""

import base64
import binascii
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from civicloop.core import insert_batch
from civicloop.core.models import AuditEntry, Classification

GENESIS = "0" * 64
_LOCK_KEY = 0x63697669  # "civi": one advisory lock for the whole chain
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_MIN_KEY_BYTES = 32  # RFC 2104: a key shorter than the hash output weakens the HMAC
DEV_KEY_FILE = "audit-key"
_BATCH = 2000


# --- keys ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditKey:
    id: str
    secret: bytes = b""

    def __repr__(self) -> str:  # never print the secret in a traceback
        return f"AuditKey({self.id!r})"


def parse_key(value: str, *, name: str = "CIVICLOOP_AUDIT_KEY") -> AuditKey:
    """`"<id>:<base64 of 32 or more bytes>"` → a key. A bad value fails loudly."""
    key_id, sep, encoded = value.strip().partition(":")
    if not sep or not _KEY_ID.match(key_id):
        raise ImproperlyConfigured(f"{name} must look like '<id>:<base64 of 32 bytes>' (id: letters, digits, _ . -)")
    try:
        standard = encoded.replace("-", "+").replace("_", "/")  # URL-safe base64 is accepted too
        secret = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name}: the key {key_id!r} is not valid base64") from None
    if len(secret) < _MIN_KEY_BYTES:
        raise ImproperlyConfigured(f"{name}: the key {key_id!r} must be at least 32 bytes, not {len(secret)}")
    return AuditKey(key_id, secret)


def new_key_value(key_id: str) -> str:
    """A fresh key in the configuration format, for operators and development."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


@dataclass(frozen=True)
class KeyRing:
    current: AuditKey
    # Every key by id, with its age: 0 for the current key, 1 for the newest retired key, …
    by_id: Mapping[str, tuple[int, AuditKey]]


def keyring() -> KeyRing:
    """The current key and the retired ones; ImproperlyConfigured without a key outside development."""
    configured = str(getattr(settings, "AUDIT_KEY", "") or "")
    old = tuple(str(value) for value in getattr(settings, "AUDIT_OLD_KEYS", ()) or ())
    if not configured:
        if not getattr(settings, "AUDIT_DEV_KEY", False):
            raise ImproperlyConfigured(
                "No audit key: set CIVICLOOP_AUDIT_KEY (docs/operations.md, 'Audit chain'). "
                "A development key is made only with CIVICLOOP_DEBUG or CIVICLOOP_DEMO on."
            )
        configured = _dev_key_value(settings.VAR_DIR)
    return _ring(configured, old)


@functools.lru_cache(maxsize=8)
def _ring(current: str, old: tuple[str, ...]) -> KeyRing:
    keys = [parse_key(current)] + [parse_key(value, name="CIVICLOOP_AUDIT_KEYS") for value in old]
    by_id: dict[str, tuple[int, AuditKey]] = {}
    for age, key in enumerate(keys):
        if key.id in by_id:
            raise ImproperlyConfigured(f"the audit key id {key.id!r} is listed twice")
        by_id[key.id] = (age, key)
    return KeyRing(keys[0], by_id)


@functools.lru_cache(maxsize=4)
def _dev_key_value(var_dir: Path) -> str:
    """The development key in VAR_DIR (mode 0600), made once; two processes starting at once agree."""
    target = Path(var_dir) / DEV_KEY_FILE
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=".audit-key-", dir=target.parent)  # mode 0600
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key_value(f"dev-{secrets.token_hex(4)}") + "\n")
        try:
            os.link(staging, target)  # fails if another process linked its key first: use that one
        except FileExistsError:
            pass
        finally:
            os.unlink(staging)
    return target.read_text().strip()


def seal(key: AuditKey, entry_hash: str) -> str:
    """The HMAC that binds an entry's hash (and so its content and place) to a key."""
    message = f"civicloop/audit/v1|{key.id}|{entry_hash}".encode()
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()


# --- appending ----------------------------------------------------------------------------------


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


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _lock_and_read_head() -> str:
    """Take the chain's lock, then read the hash of its newest entry (GENESIS when empty): one round trip.

    The lock and the read of the head must be two statements: under READ COMMITTED a statement's
    snapshot is taken when it starts, so a head read in the same statement as the lock wait could
    miss the entry committed by the transaction we waited for (test_audit's race). On PostgreSQL
    both statements go in one query string (no parameters: the simple protocol), each with its
    own snapshot, so the second round trip is saved; and the read is plain SQL, because compiling
    it through the ORM cost more than the rest of the append (bench/profile_submit.py).
    """
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    head = f"SELECT hash FROM {table} ORDER BY seq DESC LIMIT 1"  # noqa: S608 - the model's table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT pg_advisory_xact_lock({_LOCK_KEY:d}); {head}")
            cursor.nextset()
        else:
            cursor.execute(head)
        row = cursor.fetchone()
    return str(row[0]) if row else GENESIS


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
    key = keyring().current  # before the lock: a missing key fails without holding it
    # No savepoint when the caller already holds a transaction: the entry commits with its change.
    with transaction.atomic(savepoint=False):
        # Held rows of other tables need not be written before the chain's lock and head are read;
        # a held audit entry must (it is the head).
        with insert_batch.reads_only(AuditEntry):
            head = _lock_and_read_head()
        entry = _chained(
            key,
            head,
            time=timezone.now(),
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            classification=classification,
            data=dict(data or {}),
        )
        insert_batch.add(entry)  # at once, or with the rest of an insert batch (still under the lock)
        return entry


def record_all(entries: Sequence[Mapping[str, Any]]) -> list[AuditEntry]:
    """Append several entries, in order, under one lock, one read of the head and one INSERT.

    Each mapping holds `record`'s keyword arguments. For a list that reveals many objects at once
    (the inbox): one entry per object as its detail page would write, without a transaction, a
    lock and a commit each.
    """
    if not entries:
        return []
    key = keyring().current
    with transaction.atomic(savepoint=False):
        prev = _lock_and_read_head()
        now = timezone.now()
        made = []
        for fields in entries:
            entry = _chained(
                key,
                prev,
                time=now,
                actor=fields["actor"],
                action=fields["action"],
                object_type=fields["object_type"],
                object_id=fields["object_id"],
                classification=fields.get("classification", Classification.OFFICIAL),
                data=dict(fields.get("data") or {}),
            )
            made.append(entry)
            prev = entry.hash
        AuditEntry.objects.bulk_create(made)
        # The chain is read in seq order: the rows of one INSERT take their numbers in list order.
        if any(a.seq is None or b.seq is None or a.seq >= b.seq for a, b in pairwise(made)):
            raise RuntimeError("audit entries were numbered out of order; nothing was written")
    return made


def _chained(key: AuditKey, prev_hash: str, **fields: Any) -> AuditEntry:
    """A new entry after `prev_hash`, hashed and sealed."""
    entry = AuditEntry(prev_hash=prev_hash, **fields)
    entry.hash = _digest(entry)
    entry.key_id = key.id
    entry.mac = seal(key, entry.hash)
    return entry


# --- verifying ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str
    anchor: str = ""  # the checkpoint that the chain contradicts, when that is the break


@dataclass(frozen=True)
class Anchor:
    """What a checkpoint attests: the chain had `count` entries, the last being `head_seq` with `head_hash`."""

    name: str
    count: int
    head_seq: int
    head_hash: str


def verify_chain(
    entries: Iterable[AuditEntry] | None = None, *, anchors: Iterable[Anchor] = (), ring: KeyRing | None = None
) -> ChainBreak | None:
    """Return the first place where the chain breaks, or None when it is intact.

    Every entry must link to the one before it, match its hash, and carry a valid HMAC under a
    configured key, keys only moving forward (a retired key cannot seal after its successor did).
    Every anchor's head must be in the chain, with its hash and with exactly `count` entries up to it.
    """
    ring = ring or keyring()
    waiting: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        if anchor.count:  # a checkpoint of the empty chain attests nothing a chain could contradict
            waiting.setdefault(anchor.head_seq, []).append(anchor)
    rows: Iterable[AuditEntry] = (
        entries if entries is not None else AuditEntry.objects.order_by("seq").iterator(chunk_size=_BATCH)
    )
    prev, count, newest_age = GENESIS, 0, None
    for entry in rows:
        broken = _check_entry(entry, prev, ring, newest_age)
        if isinstance(broken, ChainBreak):
            return broken
        newest_age, prev, count = broken, entry.hash, count + 1
        for anchor in waiting.pop(entry.seq, ()):
            if anchor.head_hash != entry.hash or anchor.count != count:
                return ChainBreak(
                    entry.seq,
                    f"the checkpoint recorded it as entry {anchor.count} with hash "
                    f"{anchor.head_hash[:12]}…, the chain has it as entry {count} with hash {entry.hash[:12]}…",
                    anchor.name,
                )
    return _missing_anchor([anchor for group in waiting.values() for anchor in group], count)


def _check_entry(entry: AuditEntry, prev: str, ring: KeyRing, newest_age: int | None) -> ChainBreak | int:
    """The key's age when the entry is sound, else why it is not."""
    if entry.prev_hash != prev:
        return ChainBreak(entry.seq, "its previous-hash does not match the entry before it (removed or inserted)")
    if _digest(entry) != entry.hash:
        return ChainBreak(entry.seq, "its content does not match its hash (changed)")
    if not entry.mac:
        return ChainBreak(entry.seq, "it has no HMAC (written before the audit key existed: run seal_audit_chain once)")
    known = ring.by_id.get(entry.key_id)
    if known is None:
        return ChainBreak(
            entry.seq, f"it is sealed with key {entry.key_id!r}, which is not configured (CIVICLOOP_AUDIT_KEYS)"
        )
    age, key = known
    if not hmac.compare_digest(seal(key, entry.hash), entry.mac):
        return ChainBreak(entry.seq, "its HMAC does not match (rewritten, hashes recomputed)")
    if newest_age is not None and age > newest_age:
        return ChainBreak(entry.seq, f"it is sealed with the retired key {entry.key_id!r} after its successor")
    return age


def _missing_anchor(anchors: Iterable[Anchor], count: int) -> ChainBreak | None:
    for anchor in sorted(anchors, key=lambda a: a.count):
        if anchor.count > count:
            reason = (
                f"the chain has {count} entries, but the checkpoint recorded {anchor.count} "
                f"ending at entry {anchor.head_seq} (the newest entries were removed)"
            )
        else:
            reason = "the checkpoint names it as the chain's head, but it is missing"
        return ChainBreak(anchor.head_seq, reason, anchor.name)
    return None


# --- sealing a chain written before the key -----------------------------------------------------


class ChainNotSealable(Exception):
    """seal_legacy_entries refuses: the chain is broken, or entries without an HMAC follow sealed ones."""


def seal_legacy_entries(*, actor: str, anchors: Iterable[Anchor] = ()) -> int:
    """Give every entry written before the audit key existed its HMAC, once; returns how many.

    Refuses unless the hash chain is intact, agrees with the checkpoints, and the entries without
    an HMAC are the oldest ones (a sealed chain is never sealed again: an entry stripped of its
    HMAC later stays a break). Writes an `audit.chain_sealed` entry naming the head it sealed.
    """
    ring = keyring()
    with transaction.atomic():
        _lock_chain()
        legacy = AuditEntry.objects.filter(mac="")
        if not legacy.exists():
            return 0
        last_legacy = legacy.order_by("-seq").values_list("seq", flat=True).first()
        assert last_legacy is not None
        if AuditEntry.objects.filter(seq__lt=last_legacy).exclude(mac="").exists():
            raise ChainNotSealable(f"entry {last_legacy} has no HMAC but sealed entries come before it")
        broken = verify_chain(_sealed_as_read(ring), anchors=anchors, ring=ring)
        if broken is not None:
            against = f" (checkpoint {broken.anchor})" if broken.anchor else ""
            raise ChainNotSealable(f"the chain is broken at entry {broken.seq}{against}: {broken.reason}")
        sealed, head, after = 0, GENESIS, 0
        # Page by seq rather than update under an open cursor (SQLite may show a cursor its own updates).
        while batch := list(legacy.filter(seq__gt=after).order_by("seq").only("seq", "hash")[:_BATCH]):
            for entry in batch:
                entry.key_id, entry.mac = ring.current.id, seal(ring.current, entry.hash)
            _write_seals(batch)
            sealed, head, after = sealed + len(batch), batch[-1].hash, batch[-1].seq
        record(
            actor=actor,
            action="audit.chain_sealed",
            object_type="audit_chain",
            object_id="",
            data={"entries": sealed, "last_seq": last_legacy, "head_hash": head, "key_id": ring.current.id},
        )
    return sealed


def _write_seals(entries: list[AuditEntry]) -> None:
    # bulk_update, not save(): the model refuses to save an existing entry, and this is the one
    # documented change to existing rows (the two HMAC columns, nothing the hash covers).
    AuditEntry.objects.bulk_update(entries, ["key_id", "mac"])


def _sealed_as_read(ring: KeyRing) -> Iterator[AuditEntry]:
    """The chain as it will be once sealed: legacy entries checked for their hashes and links only."""
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=_BATCH):
        if not entry.mac:
            entry.key_id, entry.mac = ring.current.id, seal(ring.current, entry.hash)
        yield entry
