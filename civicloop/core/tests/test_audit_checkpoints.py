# SPDX-License-Identifier: MPL-2.0
import base64
import datetime
import json
import os
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from civicloop.core import audit, audit_checkpoints, periodic
from civicloop.core.models import AuditEntry
from civicloop.core.tests.tampering import remove_newest, rewrite_entry

pytestmark = pytest.mark.django_db


def _entries(n: int) -> list[AuditEntry]:
    return [audit.record(actor="user/a", action="t", object_type="t", object_id=str(i)) for i in range(n)]


def _only_file(directory: Path) -> Path:
    (path,) = directory.glob("*.json")
    return path


def test_a_checkpoint_records_the_count_and_head_in_a_read_only_file(checkpoint_dir: Path) -> None:
    entries = _entries(3)
    call_command("checkpoint_audit_chain")
    path = _only_file(checkpoint_dir)
    payload = json.loads(path.read_text())["payload"]
    assert (payload["count"], payload["head_seq"], payload["head_hash"]) == (3, entries[2].seq, entries[2].hash)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o444
    assert [c.count for c in audit_checkpoints.load_checkpoints()] == [3]


def test_each_checkpoint_is_a_new_file(checkpoint_dir: Path) -> None:
    _entries(1)
    call_command("checkpoint_audit_chain")
    _entries(1)
    call_command("checkpoint_audit_chain")
    assert sorted(c.count for c in audit_checkpoints.load_checkpoints()) == [1, 2]
    assert not list(checkpoint_dir.glob(".*"))  # no staging file left behind


def test_removing_the_newest_entries_is_caught_by_the_last_checkpoint(capsys: pytest.CaptureFixture[str]) -> None:
    # given five entries and a checkpoint of them
    entries = _entries(5)
    call_command("checkpoint_audit_chain")
    call_command("verify_audit_chain")
    assert "agrees with 1 checkpoints" in capsys.readouterr().out
    # when the newest two are cut off (what is left is still a sound, sealed chain)
    remove_newest(2)
    assert audit.verify_chain() is None
    # then
    with pytest.raises(CommandError, match=f"at entry {entries[4].seq}: the chain has 3 entries.*recorded 5") as raised:
        call_command("verify_audit_chain")
    assert raised.value.returncode == 3


def test_rewriting_an_entry_before_a_checkpoint_shows_even_with_the_audit_key() -> None:
    # given a checkpoint, and someone holding the audit key (not the signing key) who rewrites history
    entries = _entries(3)
    call_command("checkpoint_audit_chain")
    rewrite_entry(entries[0].seq, key=audit.keyring().current, actor="user/mallory")
    assert audit.verify_chain() is None  # every hash and HMAC recomputed
    # when / then: the head the checkpoint signed is gone
    with pytest.raises(CommandError, match=f"contradicts checkpoint .* at entry {entries[2].seq}") as raised:
        call_command("verify_audit_chain")
    assert raised.value.returncode == 3


def test_a_checkpoint_changed_to_fit_a_shortened_chain_is_refused(checkpoint_dir: Path) -> None:
    # given a checkpoint of five entries, the newest two removed, and the checkpoint edited to match
    entries = _entries(5)
    call_command("checkpoint_audit_chain")
    remove_newest(2)
    path = _only_file(checkpoint_dir)
    document = json.loads(path.read_text())
    document["payload"] |= {"count": 3, "head_seq": entries[2].seq, "head_hash": entries[2].hash}
    path.chmod(0o644)
    path.write_text(json.dumps(document))
    # when / then
    with pytest.raises(
        CommandError, match=f"checkpoint {path.name} is not valid: its signature does not match"
    ) as raised:
        call_command("verify_audit_chain")
    assert raised.value.returncode == 4


def test_a_checkpoint_signed_by_a_key_outside_the_municipality_s_chain_is_refused(checkpoint_dir: Path) -> None:
    # given a chain cut short and a checkpoint for it, soundly signed, but with a key of the forger's own
    entries = _entries(2)
    payload = {
        "type": audit_checkpoints.TYPE,
        "version": 1,
        "lg_code": "131130",
        "count": 2,
        "head_seq": entries[1].seq,
        "head_hash": entries[1].hash,
        "time": datetime.datetime.now(datetime.UTC).isoformat(),
    }
    key, cert = _self_signed()
    forged = {
        "payload": payload,
        "alg": "ecdsa-sha256",
        "signature": base64.b64encode(
            key.sign(audit_checkpoints.canonical(payload), ec.ECDSA(hashes.SHA256()))
        ).decode(),
        "certificates": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()],
    }
    checkpoint_dir.mkdir(parents=True)
    (checkpoint_dir / "forged.json").write_text(json.dumps(forged))
    # when / then
    with pytest.raises(CommandError, match=r"checkpoint forged\.json is not valid: its certificate does not chain"):
        call_command("verify_audit_chain")


def test_an_unreadable_checkpoint_is_named(checkpoint_dir: Path) -> None:
    _entries(1)
    call_command("checkpoint_audit_chain")
    (checkpoint_dir / "zz-truncated.json").write_text('{"payload": {"type": ')
    with pytest.raises(CommandError, match=r"checkpoint zz-truncated\.json is not valid: unreadable") as raised:
        call_command("verify_audit_chain")
    assert raised.value.returncode == 4


def test_verification_can_demand_a_recent_checkpoint(capsys: pytest.CaptureFixture[str]) -> None:
    _entries(1)
    with pytest.raises(CommandError, match="no audit checkpoint in the last 2 hours") as raised:
        call_command("verify_audit_chain", max_checkpoint_age_hours=2)
    assert raised.value.returncode == 5
    call_command("checkpoint_audit_chain")
    call_command("verify_audit_chain", max_checkpoint_age_hours=2)
    assert "intact (1 entries)" in capsys.readouterr().out


def test_verification_reads_checkpoints_fetched_from_elsewhere(checkpoint_dir: Path, tmp_path: Path) -> None:
    # given checkpoints copied back from write-once storage, and the local folder emptied by an intruder
    _entries(4)
    call_command("checkpoint_audit_chain", checkpoint_dir=tmp_path / "archive")
    remove_newest(1)
    # when / then
    call_command("verify_audit_chain")  # nothing local to contradict
    with pytest.raises(CommandError, match="the chain has 3 entries"):
        call_command("verify_audit_chain", checkpoint_dir=tmp_path / "archive")


def test_the_worker_writes_a_checkpoint_once_per_interval(
    settings: Settings, checkpoint_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(periodic, "_not_before", {})
    settings.AUDIT_CHECKPOINT_INTERVAL_SECONDS = 3600
    _entries(2)
    assert audit_checkpoints.run_once() == 1
    assert audit_checkpoints.run_once() == 0  # not due for another hour
    assert [c.count for c in audit_checkpoints.load_checkpoints()] == [2]


def _self_signed() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "渋谷区長 (forged)")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert
