# SPDX-License-Identifier: MPL-2.0
"""Sealed bids: content encrypted to a tender's opening key, which is unsealed only at the opening.

Publishing a tender makes an X25519 key pair. The public half is stored in clear: sealing a bid
needs nothing else, so no code path that accepts or lists bids ever holds the private half. The
private half is sealed with the platform's envelope encryption (`classification.crypto`, tier
SECRET, bound to the tender), so a database reader, an export or the admin sees an envelope, and
key rotation re-wraps it like every other sealed value.

A bid is sealed like an ECIES box: a fresh ephemeral key pair per sealing, X25519 with the
tender's public key, HKDF-SHA256 to a 256-bit key, AES-256-GCM over the JSON content with the
bid's binding (`procurement.bid:<public id>`) as associated data, so a sealed box copied onto
another bid does not open.

What this does not stop: someone who holds both the SECRET key-encryption key (the server's
environment) and the database could unseal the opening key early. Only a key held outside the
platform until the deadline (a custodian, or a KMS with a time condition) removes that; the
opening records who opened the bids and when, and every call of `open_opening_key` is audited.
"""

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from civicloop.classification import crypto
from civicloop.core.models import Classification

_RAW = serialization.Encoding.Raw
_INFO = b"civicloop sealed bid v1"
# The tier whose key-encryption key wraps the opening keys: bids are 秘 until opened.
KEY_TIER = Classification.SECRET


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


def tender_binding(tender_public_id: object) -> str:
    return f"procurement.tender:{tender_public_id}:opening-key"


def bid_binding(bid_public_id: object) -> str:
    return f"procurement.bid:{bid_public_id}"


def new_opening_key(tender_public_id: object) -> tuple[str, dict[str, Any]]:
    """A fresh opening key pair: (the public key in base64, the private key sealed in an envelope)."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    return _b64(public), crypto.seal(raw, tier=KEY_TIER, binding=tender_binding(tender_public_id))


def open_opening_key(tender_public_id: object, envelope: Mapping[str, Any]) -> X25519PrivateKey:
    """The private opening key. Called by `actions.open_bids` only, after its deadline check."""
    raw = crypto.open_envelope(envelope, binding=tender_binding(tender_public_id))
    return X25519PrivateKey.from_private_bytes(raw)


def _key(shared: bytes, epk: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=epk, info=_INFO).derive(shared)


def seal_bid(public_key: str, content: Mapping[str, Any], *, binding: str) -> dict[str, str]:
    """Encrypt a bid's content to the tender's public opening key."""
    ephemeral = X25519PrivateKey.generate()
    epk = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    key = _key(ephemeral.exchange(X25519PublicKey.from_public_bytes(_unb64(public_key))), epk)
    iv = secrets.token_bytes(12)
    plaintext = json.dumps(dict(content), ensure_ascii=False, separators=(",", ":")).encode()
    ct = AESGCM(key).encrypt(iv, plaintext, binding.encode())
    return {"v": "1", "epk": _b64(epk), "iv": _b64(iv), "ct": _b64(ct)}


def open_bid(private_key: X25519PrivateKey, sealed: Mapping[str, str], *, binding: str) -> dict[str, Any]:
    """Decrypt a sealed bid; cryptography's InvalidTag when it was changed or belongs to another bid."""
    epk = _unb64(sealed["epk"])
    key = _key(private_key.exchange(X25519PublicKey.from_public_bytes(epk)), epk)
    plaintext = AESGCM(key).decrypt(_unb64(sealed["iv"]), _unb64(sealed["ct"]), binding.encode())
    value = json.loads(plaintext)
    if not isinstance(value, dict):
        raise ValueError("a sealed bid holds a JSON object")
    return value


def digest_of(sealed: Mapping[str, str]) -> str:
    """SHA-256 of the sealed box: the bidder's receipt, checked again at the opening."""
    return hashlib.sha256(json.dumps(dict(sealed), sort_keys=True).encode()).hexdigest()
