# SPDX-License-Identifier: MPL-2.0
"""Envelope encryption at rest for SECRET and TOP SECRET content (AES-256-GCM).

Each record gets its own random data key (DEK). The data is encrypted with the DEK; the DEK is
wrapped (AES-GCM again) with the key-encryption key (KEK) of the record's tier. The envelope
keeps the wrapped DEK next to the ciphertext:

    {"$enc": 1, "tier": "SECRET", "kek": "<kek id>", "wk": "<b64 nonce+wrapped DEK>",
     "iv": "<b64 nonce>", "ct": "<b64 ciphertext+tag>"}

Rotating a tier's KEK re-wraps each DEK (`rewrap`): `kek` and `wk` change, `iv` and `ct` do not,
so the data itself is never decrypted or rewritten. The data's associated data binds the
ciphertext to its record and field (a ciphertext copied onto another record does not open); the
DEK's associated data binds it to its tier and KEK.

KEKs come from settings (`CLASSIFICATION_KEKS`, from the environment: newest first, older keys
kept until rotation has re-wrapped everything). With `CLASSIFICATION_DEMO_KEYS` (DEBUG) and no
key configured for a tier, a demo key is generated once into `<VAR_DIR>/classification-keys.json`.
"""

import base64
import binascii
import functools
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from civicloop.core.models import Classification

ENCRYPTED_TIERS = (Classification.SECRET, Classification.TOP_SECRET)
MARK = "$enc"
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_NONCE = 12


class KeyUnavailable(ImproperlyConfigured):
    """No key-encryption key is configured for a tier (or the envelope names one that is gone)."""


class EnvelopeError(Exception):
    """An envelope does not open: tampered, bound to another record, or malformed."""


@dataclass(frozen=True)
class Kek:
    id: str
    key: bytes


def parse_keys(tier: str, values: list[str]) -> list[Kek]:
    """`["<id>:<base64 of 32 bytes>", …]` → KEKs, newest first. Bad values fail loudly."""
    keys = []
    for value in values:
        key_id, sep, encoded = value.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"a {tier} key must look like '<id>:<base64 of 32 bytes>' (id: letters, digits, _ . -)"
            )
        try:
            standard = encoded.replace("-", "+").replace("_", "/")  # URL-safe base64 is accepted too
            key = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"the {tier} key {key_id!r} is not valid base64") from None
        if len(key) != 32:
            raise ImproperlyConfigured(f"the {tier} key {key_id!r} must be 32 bytes (AES-256), not {len(key)}")
        keys.append(Kek(key_id, key))
    if len({k.id for k in keys}) != len(keys):
        raise ImproperlyConfigured(f"the {tier} keys repeat an id")
    return keys


def new_key_value(key_id: str) -> str:
    """A fresh KEK in the configuration format, for operators and the demo."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def demo_key_path() -> Path:
    return Path(settings.VAR_DIR) / "classification-keys.json"


_demo_cache: dict[Path, tuple[int, dict[str, list[str]]]] = {}


def read_demo_keys() -> dict[str, list[str]]:
    """The demo key file, read again only when it changed (keys are asked for on every seal)."""
    path = demo_key_path()
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    cached = _demo_cache.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, json.loads(path.read_text()))
        _demo_cache[path] = cached
    return {tier: list(values) for tier, values in cached[1].items()}


def write_demo_keys(keys: Mapping[str, list[str]]) -> None:
    """Write the demo key file, readable by its owner only."""
    path = demo_key_path()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(dict(keys), handle, indent=2)
    os.replace(tmp, path)
    _demo_cache.pop(path, None)


def _demo_keys(tier: str) -> list[str]:
    stored = read_demo_keys()
    if not stored.get(tier):
        stored[tier] = [new_key_value(f"demo-{tier.lower().replace('_', '-')}-1")]
        write_demo_keys(stored)
    return stored[tier]


def keyring(tier: str) -> list[Kek]:
    """The KEKs of a tier, newest (the one that wraps new data keys) first."""
    if tier not in ENCRYPTED_TIERS:
        raise KeyUnavailable(f"{tier} content is not encrypted")
    configured = list(getattr(settings, "CLASSIFICATION_KEKS", {}).get(tier) or [])
    if not configured:
        if not getattr(settings, "CLASSIFICATION_DEMO_KEYS", False):
            raise KeyUnavailable(f"no key-encryption key for {tier}: set CIVICLOOP_KEK_{tier}")
        configured = _demo_keys(tier)
    return list(_parsed(tier, tuple(configured)))


@functools.lru_cache(maxsize=32)
def _parsed(tier: str, values: tuple[str, ...]) -> tuple[Kek, ...]:
    return tuple(parse_keys(tier, list(values)))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: Any) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeError("the envelope is not valid base64") from None


def _dek_aad(tier: str, kek_id: str) -> bytes:
    return f"civicloop/dek/v1|{tier}|{kek_id}".encode()


def _data_aad(binding: str) -> bytes:
    return f"civicloop/data/v1|{binding}".encode()


def _wrap(dek: bytes, tier: str, kek: Kek) -> str:
    nonce = secrets.token_bytes(_NONCE)
    return _b64(nonce + AESGCM(kek.key).encrypt(nonce, dek, _dek_aad(tier, kek.id)))


def _unwrap(envelope: Mapping[str, Any]) -> bytes:
    tier, kek_id = str(envelope.get("tier")), str(envelope.get("kek"))
    kek = next((k for k in keyring(tier) if k.id == kek_id), None)
    if kek is None:
        raise KeyUnavailable(f"the {tier} key {kek_id!r} is no longer configured")
    blob = _unb64(envelope.get("wk"))
    try:
        return AESGCM(kek.key).decrypt(blob[:_NONCE], blob[_NONCE:], _dek_aad(tier, kek_id))
    except InvalidTag:
        raise EnvelopeError("the data key does not open: the envelope was changed") from None


def is_envelope(value: Any) -> bool:
    return isinstance(value, dict) and value.get(MARK) == 1


def seal(plaintext: bytes, *, tier: str, binding: str) -> dict[str, Any]:
    """Encrypt `plaintext` for `tier` with a fresh data key; `binding` names the record and field."""
    kek = keyring(tier)[0]
    dek = AESGCM.generate_key(bit_length=256)
    iv = secrets.token_bytes(_NONCE)
    ct = AESGCM(dek).encrypt(iv, plaintext, _data_aad(binding))
    return {MARK: 1, "tier": str(tier), "kek": kek.id, "wk": _wrap(dek, tier, kek), "iv": _b64(iv), "ct": _b64(ct)}


def open_envelope(envelope: Mapping[str, Any], *, binding: str) -> bytes:
    """Decrypt an envelope made by `seal` for the same `binding`; EnvelopeError when it was changed."""
    if not is_envelope(envelope):
        raise EnvelopeError("not an envelope")
    dek = _unwrap(envelope)
    try:
        return AESGCM(dek).decrypt(_unb64(envelope.get("iv")), _unb64(envelope.get("ct")), _data_aad(binding))
    except InvalidTag:
        raise EnvelopeError("the data does not open: changed, or bound to another record") from None


def needs_rewrap(envelope: Mapping[str, Any]) -> bool:
    return is_envelope(envelope) and envelope.get("kek") != keyring(str(envelope.get("tier")))[0].id


def rewrap(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """The same envelope with its data key wrapped by the tier's newest KEK; `iv` and `ct` untouched."""
    tier = str(envelope.get("tier"))
    dek = _unwrap(envelope)
    newest = keyring(tier)[0]
    return {**envelope, "kek": newest.id, "wk": _wrap(dek, tier, newest)}


def seal_json(value: Any, *, tier: str, binding: str) -> dict[str, Any]:
    return seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(), tier=tier, binding=binding)


def open_json(envelope: Mapping[str, Any], *, binding: str) -> Any:
    return json.loads(open_envelope(envelope, binding=binding))
