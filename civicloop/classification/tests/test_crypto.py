# SPDX-License-Identifier: MPL-2.0
"""Envelope encryption: round trip, binding, tamper, keys, rotation."""

import json
import os
import stat
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from civicloop.classification import crypto

OLD = crypto.new_key_value("old")
NEW = crypto.new_key_value("new")
TOP = crypto.new_key_value("top")


@pytest.fixture
def keys(settings: Any) -> Any:
    settings.CLASSIFICATION_KEKS = {"SECRET": [OLD], "TOP_SECRET": [TOP]}
    return settings


def test_a_sealed_value_opens_to_the_same_value_and_shows_nothing_in_clear(keys: Any) -> None:
    envelope = crypto.seal_json(
        {"氏名": "𠮷田 太郎", "n": 1}, tier="SECRET", binding="applications.application:1:answers"
    )
    assert "𠮷田" not in json.dumps(envelope, ensure_ascii=False)
    assert envelope["tier"] == "SECRET" and envelope["kek"] == "old"
    assert crypto.open_json(envelope, binding="applications.application:1:answers") == {"氏名": "𠮷田 太郎", "n": 1}


def test_each_record_gets_its_own_data_key(keys: Any) -> None:
    a = crypto.seal(b"same", tier="SECRET", binding="x")
    b = crypto.seal(b"same", tier="SECRET", binding="x")
    assert a["wk"] != b["wk"] and a["ct"] != b["ct"]


@pytest.mark.parametrize("part", ["ct", "iv", "wk"])
def test_a_changed_byte_anywhere_is_an_error_never_wrong_data(keys: Any, part: str) -> None:
    envelope = crypto.seal(b"secret answers", tier="SECRET", binding="x")
    raw = bytearray(crypto._unb64(envelope[part]))
    raw[-1] ^= 0x01
    tampered = {**envelope, part: crypto._b64(bytes(raw))}
    with pytest.raises(crypto.EnvelopeError):
        crypto.open_envelope(tampered, binding="x")


def test_a_ciphertext_moved_to_another_record_does_not_open(keys: Any) -> None:
    envelope = crypto.seal(b"answers of record 1", tier="SECRET", binding="applications.application:1:answers")
    with pytest.raises(crypto.EnvelopeError):
        crypto.open_envelope(envelope, binding="applications.application:2:answers")


def test_a_secret_envelope_relabelled_top_secret_does_not_open(keys: Any) -> None:
    envelope = crypto.seal(b"x", tier="SECRET", binding="x")
    with pytest.raises((crypto.EnvelopeError, crypto.KeyUnavailable)):
        crypto.open_envelope({**envelope, "tier": "TOP_SECRET", "kek": "top"}, binding="x")


def test_rotation_rewraps_the_data_key_and_leaves_the_data_untouched(keys: Any) -> None:
    envelope = crypto.seal(b"kept as is", tier="SECRET", binding="x")
    keys.CLASSIFICATION_KEKS = {"SECRET": [NEW, OLD], "TOP_SECRET": [TOP]}
    assert crypto.needs_rewrap(envelope)
    rotated = crypto.rewrap(envelope)
    assert (rotated["kek"], rotated["iv"], rotated["ct"]) == ("new", envelope["iv"], envelope["ct"])
    assert rotated["wk"] != envelope["wk"] and not crypto.needs_rewrap(rotated)
    keys.CLASSIFICATION_KEKS = {"SECRET": [NEW], "TOP_SECRET": [TOP]}  # the old key may now go
    assert crypto.open_envelope(rotated, binding="x") == b"kept as is"
    with pytest.raises(crypto.KeyUnavailable):
        crypto.open_envelope(envelope, binding="x")


@pytest.mark.parametrize(
    "value",
    ["no-colon", "bad id!:" + NEW.split(":")[1], "short:" + "QUJD", "dup:" + NEW.split(":")[1]],
    # Fixed ids: the keys are random, and pytest-xdist workers must collect the same test names.
    ids=["no-colon", "bad-id", "short", "duplicate-id"],
)
def test_malformed_keys_fail_loudly(value: str) -> None:
    values = [value, value] if value.startswith("dup") else [value]
    with pytest.raises(ImproperlyConfigured):
        crypto.parse_keys("SECRET", values)


def test_url_safe_base64_keys_are_accepted() -> None:
    key = crypto.new_key_value("k").split(":")[1].replace("+", "-").replace("/", "_").rstrip("=")
    assert len(crypto.parse_keys("SECRET", [f"k:{key}"])[0].key) == 32


def test_without_keys_and_without_demo_keys_nothing_is_sealed(settings: Any) -> None:
    settings.CLASSIFICATION_KEKS = {}
    settings.CLASSIFICATION_DEMO_KEYS = False
    with pytest.raises(crypto.KeyUnavailable):
        crypto.seal(b"x", tier="SECRET", binding="x")


def test_demo_keys_are_made_once_and_readable_by_their_owner_only(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    settings.CLASSIFICATION_KEKS = {}
    settings.CLASSIFICATION_DEMO_KEYS = True
    first = crypto.keyring("TOP_SECRET")
    assert crypto.keyring("TOP_SECRET") == first
    mode = stat.S_IMODE(os.stat(crypto.demo_key_path()).st_mode)
    assert mode == 0o600


def test_the_deploy_check_names_each_tier_without_a_key(settings: Any) -> None:
    from civicloop.classification.checks import keys_configured

    settings.CLASSIFICATION_DEMO_KEYS = False
    settings.CLASSIFICATION_KEKS = {"SECRET": [OLD], "TOP_SECRET": []}
    assert [e.id for e in keys_configured(None)] == ["classification.E001"]
    settings.CLASSIFICATION_KEKS = {"SECRET": [OLD], "TOP_SECRET": [TOP]}
    assert keys_configured(None) == []
