# SPDX-License-Identifier: MPL-2.0
import pytest
from django.core.management import CommandError, call_command

from civicloop.core import audit
from civicloop.core.models import AuditEntry
from civicloop.core.tests.tampering import erase

pytestmark = pytest.mark.django_db


def _entries_from_before_the_key(n: int) -> list[AuditEntry]:
    """Entries as an installation that predates the audit key has them: hash-chained, no HMAC."""
    entries = [audit.record(actor="user/a", action="t", object_type="t", object_id=str(i)) for i in range(n)]
    AuditEntry.objects.filter(seq__in=[e.seq for e in entries]).update(key_id="", mac="")
    return entries


def test_entries_from_before_the_key_fail_verification_until_sealed(capsys: pytest.CaptureFixture[str]) -> None:
    # given an upgraded installation: three old entries, then one written with the key
    old = _entries_from_before_the_key(3)
    audit.record(actor="user/a", action="t", object_type="t", object_id="new")
    with pytest.raises(CommandError, match=f"entry {old[0].seq}: it has no HMAC .*seal_audit_chain"):
        call_command("verify_audit_chain")
    # when
    call_command("seal_audit_chain")
    # then
    assert "sealed 3 audit entries" in capsys.readouterr().out
    call_command("verify_audit_chain")
    assert "intact (5 entries)" in capsys.readouterr().out
    sealing = AuditEntry.objects.order_by("-seq").first()
    assert sealing is not None and sealing.action == "audit.chain_sealed"
    assert sealing.data["entries"] == 3 and sealing.data["last_seq"] == old[2].seq


def test_sealing_twice_seals_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    _entries_from_before_the_key(2)
    call_command("seal_audit_chain")
    call_command("seal_audit_chain")
    assert "nothing to seal" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="audit.chain_sealed").count() == 1


def test_sealing_refuses_a_broken_chain() -> None:
    old = _entries_from_before_the_key(3)
    AuditEntry.objects.filter(seq=old[1].seq).update(actor="user/mallory")
    with pytest.raises(CommandError, match=f"not sealed: the chain is broken at entry {old[1].seq}"):
        call_command("seal_audit_chain")
    assert not AuditEntry.objects.exclude(mac="").exists()


def test_an_entry_stripped_of_its_hmac_after_sealed_ones_is_never_sealed() -> None:
    # given a sealed chain, and someone who strips the HMAC off a middle entry to rewrite it unnoticed
    entries = [audit.record(actor="user/a", action="t", object_type="t", object_id=str(i)) for i in range(3)]
    AuditEntry.objects.filter(seq=entries[1].seq).update(key_id="", mac="")
    # when / then
    with pytest.raises(CommandError, match=f"entry {entries[1].seq} has no HMAC but sealed entries come before it"):
        call_command("seal_audit_chain")
    with pytest.raises(CommandError, match=f"entry {entries[1].seq}: it has no HMAC"):
        call_command("verify_audit_chain")


def test_sealing_refuses_a_chain_cut_short_of_its_checkpoint() -> None:
    # given old entries checkpointed, then the newest removed before anyone sealed
    old = _entries_from_before_the_key(3)
    call_command("checkpoint_audit_chain")
    erase(AuditEntry.objects.filter(seq=old[2].seq))
    # when / then
    with pytest.raises(CommandError, match=r"not sealed: the chain is broken .*newest entries were removed"):
        call_command("seal_audit_chain")
