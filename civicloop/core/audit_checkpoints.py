# SPDX-License-Identifier: MPL-2.0
"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint says "at this time the chain had N entries, the last one entry S with hash H",
signed with the municipality's signing key (the one that signs result documents,
`core.keys.material()`), as one JSON file in `AUDIT_CHECKPOINT_DIR`:

    {"payload": {"type": "civicloop.audit.checkpoint", "version": 1, "lg_code": "131130",
                 "count": N, "head_seq": S, "head_hash": H, "time": "2026-…+00:00"},
     "alg": "ecdsa-sha256", "signature": "<base64>", "certificates": ["<base64 DER>", …]}

The signature covers the payload as canonical JSON (sorted keys, no spaces, UTF-8). Files are
created once and never rewritten: written aside, then hard-linked into place (which fails rather
than replace an existing name) and made read-only. `verify_audit_chain` reads them back: a bad
signature, or a certificate that does not chain to the configured root, is a forged checkpoint; a
checkpoint whose head is not in the chain means entries were removed. The database alone cannot
vouch for its own newest entries, which is why these files must live elsewhere (operations.md).
"""

import asyncio
import base64
import binascii
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Max
from pyhanko_certvalidator import CertificateValidator, ValidationContext

from civicloop.core import periodic
from civicloop.core.audit import GENESIS, Anchor
from civicloop.core.keys import SigningMaterial, material
from civicloop.core.models import AuditEntry

TYPE = "civicloop.audit.checkpoint"
VERSION = 1


class CheckpointInvalid(Exception):
    """A checkpoint file that is unreadable, malformed, or not signed by the municipality's key."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class Checkpoint:
    name: str
    count: int
    head_seq: int
    head_hash: str
    time: datetime

    @property
    def anchor(self) -> Anchor:
        return Anchor(self.name, self.count, self.head_seq, self.head_hash)


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def canonical(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# --- writing ------------------------------------------------------------------------------------


def write_checkpoint(*, directory: Path | None = None) -> Checkpoint:
    """Sign the chain's current head and count and write them as a new file; returns the checkpoint."""
    directory = directory or checkpoint_dir()
    keys = material()
    # One statement, one snapshot: the count and the head agree. Appends commit in seq order (they
    # hold the chain's lock until commit), so no entry below the head can still appear.
    head = AuditEntry.objects.aggregate(count=Count("seq"), head=Max("seq"))
    count, head_seq = int(head["count"] or 0), int(head["head"] or 0)
    head_hash = AuditEntry.objects.filter(seq=head_seq).values_list("hash", flat=True).first() or GENESIS
    now = datetime.now(UTC)
    payload = {
        "type": TYPE,
        "version": VERSION,
        "lg_code": settings.LG_CODE,
        "count": count,
        "head_seq": head_seq,
        "head_hash": head_hash,
        "time": now.isoformat(),
    }
    alg, signature = _sign(keys, canonical(payload))
    document = {
        "payload": payload,
        "alg": alg,
        "signature": base64.b64encode(signature).decode(),
        "certificates": [base64.b64encode(cert.dump()).decode() for cert in _signer_chain(keys)],
    }
    name = f"{now:%Y%m%dT%H%M%S%fZ}-{count:012d}.json"
    _write_once(directory, name, json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n")
    return Checkpoint(name, count, head_seq, head_hash, now)


def _signer_chain(keys: SigningMaterial) -> list[asn1_x509.Certificate]:
    """The signing certificate, then the intermediates (the root is trusted by configuration, not by file)."""
    cert = keys.signer.signing_cert
    assert cert is not None  # core.keys refuses a key without one
    return [cert] + [c for c in keys.chain if c.self_signed == "no" and c.dump() != cert.dump()]


def _sign(keys: SigningMaterial, data: bytes) -> tuple[str, bytes]:
    private = serialization.load_der_private_key(keys.signer.signing_key.dump(), password=None)
    if isinstance(private, ec.EllipticCurvePrivateKey):
        return "ecdsa-sha256", private.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(private, rsa.RSAPrivateKey):
        return "rsa-pkcs1v15-sha256", private.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return "ed25519", private.sign(data)
    raise ImproperlyConfigured(f"audit checkpoints cannot be signed with a {type(private).__name__}")


def _write_once(directory: Path, name: str, body: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    fd, staging = tempfile.mkstemp(prefix=".checkpoint-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(staging, 0o444)
        # link() never replaces an existing name, and the file appears whole or not at all.
        os.link(staging, directory / name)
    finally:
        os.unlink(staging)
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the new name survives a crash
    finally:
        os.close(dir_fd)


# --- reading ------------------------------------------------------------------------------------


def load_checkpoints(directory: Path | None = None) -> list[Checkpoint]:
    """Every checkpoint in the folder, oldest first, each signature checked; CheckpointInvalid on the first bad one."""
    directory = directory or checkpoint_dir()
    paths = sorted(directory.glob("[!.]*.json")) if directory.is_dir() else []
    if not paths:
        return []  # nothing to check, so no signing key needed either
    keys = material()
    trusted: dict[bytes, x509.Certificate] = {}  # a certificate's path is validated once per run
    checkpoints = [_read(path, keys, trusted) for path in paths]
    return sorted(checkpoints, key=lambda c: (c.time, c.count))


def _read(path: Path, keys: SigningMaterial, trusted: dict[bytes, x509.Certificate]) -> Checkpoint:
    name = path.name
    try:
        document = json.loads(path.read_bytes())
        payload = document["payload"]
        signature = base64.b64decode(document["signature"], validate=True)
        chain = [base64.b64decode(text, validate=True) for text in document["certificates"]]
        checkpoint = _parse_payload(name, payload)
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise CheckpointInvalid(name, f"unreadable or malformed ({exc.__class__.__name__})") from None
    if not chain:
        raise CheckpointInvalid(name, "it carries no certificate")
    cert = trusted.get(chain[0]) or _validate_path(name, chain, keys, checkpoint.time)
    trusted[chain[0]] = cert
    if not cert.not_valid_before_utc <= checkpoint.time <= cert.not_valid_after_utc:
        raise CheckpointInvalid(name, "it is dated outside its certificate's validity")
    _verify_signature(name, cert, str(document.get("alg", "")), signature, canonical(payload))
    return checkpoint


def _parse_payload(name: str, payload: Any) -> Checkpoint:
    if not isinstance(payload, dict) or payload.get("type") != TYPE or payload.get("version") != VERSION:
        raise ValueError("not a version 1 audit checkpoint")
    count, head_seq, head_hash = payload["count"], payload["head_seq"], payload["head_hash"]
    if not (isinstance(count, int) and isinstance(head_seq, int) and isinstance(head_hash, str)):
        raise TypeError("count, head_seq and head_hash must be integers and a string")
    moment = datetime.fromisoformat(payload["time"])
    if moment.tzinfo is None:
        raise ValueError("the time has no zone")
    return Checkpoint(name, count, head_seq, head_hash, moment)


def _validate_path(name: str, chain: list[bytes], keys: SigningMaterial, moment: datetime) -> x509.Certificate:
    """The signing certificate, if it chains to the configured root (the same one documents trust)."""
    try:
        leaf = asn1_x509.Certificate.load(chain[0])
        intermediates = [asn1_x509.Certificate.load(der) for der in chain[1:]] + list(keys.chain)
        context = ValidationContext(trust_roots=list(keys.trust_roots), allow_fetching=False, moment=moment)
        validator = CertificateValidator(leaf, intermediate_certs=intermediates, validation_context=context)
        asyncio.run(validator.async_validate_path())
        return x509.load_der_x509_certificate(chain[0])
    except Exception as exc:  # certvalidator and asn1crypto raise several unrelated types for a bad path
        raise CheckpointInvalid(name, f"its certificate does not chain to the configured root ({exc})") from None


def _verify_signature(name: str, cert: x509.Certificate, alg: str, signature: bytes, data: bytes) -> None:
    public = cert.public_key()
    try:
        # The algorithm follows from the certificate's key; the file's "alg" only has to agree.
        if isinstance(public, ec.EllipticCurvePublicKey) and alg == "ecdsa-sha256":
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public, rsa.RSAPublicKey) and alg == "rsa-pkcs1v15-sha256":
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ed25519.Ed25519PublicKey) and alg == "ed25519":
            public.verify(signature, data)
        else:
            raise CheckpointInvalid(name, f"the algorithm {alg!r} does not fit its certificate's key")
    except InvalidSignature:
        raise CheckpointInvalid(name, "its signature does not match its content (forged or changed)") from None


# --- the worker ---------------------------------------------------------------------------------

PERIODIC_NAME = "core.audit_checkpoints"


def run_once() -> int:
    """A worker task: a checkpoint every AUDIT_CHECKPOINT_INTERVAL_SECONDS for the whole site.

    The interval is claimed in the database (`core.periodic`), so however many worker processes
    call this (Celery), one of them writes the interval's checkpoint. The claim comes before the
    write: a failure (no signing key, a full disk) is logged once per interval, not once per loop.
    """
    if not periodic.claim(PERIODIC_NAME, every_seconds=settings.AUDIT_CHECKPOINT_INTERVAL_SECONDS):
        return 0
    write_checkpoint()
    return 1
