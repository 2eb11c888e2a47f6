# SPDX-License-Identifier: MPL-2.0
import os
import stat
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from civicloop.core import audit
from civicloop.core.models import AppendOnlyError, AuditEntry
from civicloop.core.tests.tampering import erase, rewrite_entry

pytestmark = pytest.mark.django_db

KEY_2025 = audit.new_key_value("k2025")
KEY_2026 = audit.new_key_value("k2026")


def _three_entries() -> list[AuditEntry]:
    return [
        audit.record(actor="user/a", action="application.submit", object_type="application", object_id=str(i))
        for i in range(3)
    ]


def test_an_intact_chain_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    _three_entries()
    call_command("verify_audit_chain")
    assert "intact (3 entries)" in capsys.readouterr().out


def test_entries_appended_together_extend_the_chain_in_order_with_one_insert(
    django_assert_max_num_queries: object,
) -> None:
    # given a chain with entries already
    _three_entries()
    listed = [
        {
            "actor": "user/b",
            "action": "access.view",
            "object_type": "case",
            "object_id": str(i),
            "classification": "SECRET",
        }
        for i in range(5)
    ]
    # when five are appended at once: the lock (PostgreSQL), the head, one INSERT
    with django_assert_max_num_queries(3):  # type: ignore[operator]
        made = audit.record_all(listed)
    # then they follow each other on the chain, in the order given, and the chain verifies
    assert [e.object_id for e in AuditEntry.objects.order_by("seq")][3:] == ["0", "1", "2", "3", "4"]
    assert all(b.prev_hash == a.hash for a, b in pairwise(made))
    assert audit.verify_chain() is None
    assert audit.record_all([]) == []


def test_a_changed_entry_is_named() -> None:
    entries = _three_entries()
    AuditEntry.objects.filter(pk=entries[1].pk).update(actor="user/mallory")
    with pytest.raises(CommandError, match=f"entry {entries[1].seq}: .*changed"):
        call_command("verify_audit_chain")


def test_a_removed_entry_is_found_at_the_next_one() -> None:
    entries = _three_entries()
    erase(AuditEntry.objects.filter(pk=entries[1].pk))
    with pytest.raises(CommandError, match=f"entry {entries[2].seq}: .*removed or inserted"):
        call_command("verify_audit_chain")


def test_a_rewritten_entry_with_every_later_hash_recomputed_is_caught_by_its_hmac() -> None:
    # given a chain, and someone who rewrites the middle entry and recomputes the hashes after it
    entries = _three_entries()
    rewrite_entry(entries[1].seq, actor="user/mallory")
    assert [e.prev_hash for e in AuditEntry.objects.order_by("seq")][1:] == [
        e.hash for e in AuditEntry.objects.order_by("seq")
    ][:-1]  # the links hold: the hash chain alone would pass
    # when / then
    with pytest.raises(CommandError, match=f"entry {entries[1].seq}: its HMAC does not match") as raised:
        call_command("verify_audit_chain")
    assert raised.value.returncode == 1


def test_entries_cannot_be_saved_again_or_deleted_through_the_model() -> None:
    entry = _three_entries()[0]
    entry.actor = "someone else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_each_entry_carries_the_id_of_the_key_that_sealed_it(settings: Settings) -> None:
    settings.AUDIT_KEY = KEY_2025
    entry = audit.record(actor="user/a", action="t", object_type="t", object_id="1")
    assert entry.key_id == "k2025"
    assert len(entry.mac) == 64 and entry.mac != entry.hash


def test_rotating_the_key_keeps_the_entries_of_the_old_key_verifiable(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # given entries under the 2025 key, then a rotation: the 2026 key is current, 2025 retired
    settings.AUDIT_KEY = KEY_2025
    old = _three_entries()
    settings.AUDIT_KEY, settings.AUDIT_OLD_KEYS = KEY_2026, [KEY_2025]
    new = audit.record(actor="user/a", action="t", object_type="t", object_id="after")
    # when / then
    assert {e.key_id for e in old} == {"k2025"} and new.key_id == "k2026"
    call_command("verify_audit_chain")
    assert "intact (4 entries)" in capsys.readouterr().out
    settings.AUDIT_OLD_KEYS = []  # the retired key dropped too soon: its first entry is named
    with pytest.raises(CommandError, match=f"entry {old[0].seq}: .*'k2025', which is not configured"):
        call_command("verify_audit_chain")


def test_a_retired_key_cannot_seal_an_entry_after_one_its_successor_sealed(settings: Settings) -> None:
    # given a rotation, two entries under the new key, and someone holding only the retired key who
    # rewrites the newest entry with it (a leaked old key must not let anyone add to the chain)
    settings.AUDIT_KEY = KEY_2025
    _three_entries()
    settings.AUDIT_KEY, settings.AUDIT_OLD_KEYS = KEY_2026, [KEY_2025]
    audit.record(actor="user/a", action="t", object_type="t", object_id="after")
    newest = audit.record(actor="user/a", action="t", object_type="t", object_id="after-2")
    rewrite_entry(newest.seq, key=audit.parse_key(KEY_2025), actor="user/mallory")
    # when / then
    with pytest.raises(CommandError, match=f"entry {newest.seq}: .*retired key 'k2025' after its successor"):
        call_command("verify_audit_chain")


def test_without_a_key_outside_development_nothing_is_recorded(settings: Settings) -> None:
    settings.AUDIT_KEY, settings.AUDIT_DEV_KEY = "", False
    with pytest.raises(ImproperlyConfigured, match="CIVICLOOP_AUDIT_KEY"):
        audit.record(actor="user/a", action="t", object_type="t", object_id="1")
    assert not AuditEntry.objects.exists()


def test_the_development_key_is_made_once_and_readable_by_its_owner_only(settings: Settings, tmp_path: Path) -> None:
    settings.VAR_DIR, settings.AUDIT_KEY, settings.AUDIT_DEV_KEY = tmp_path, "", True
    first = audit.record(actor="user/a", action="t", object_type="t", object_id="1")
    audit._dev_key_value.cache_clear()  # as a second process would: read from the file again
    second = audit.record(actor="user/a", action="t", object_type="t", object_id="2")
    key_file = tmp_path / audit.DEV_KEY_FILE
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert first.key_id == second.key_id and first.key_id.startswith("dev-")
    assert audit.verify_chain() is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("no-colon", "must look like"),
        ("bad id:" + KEY_2025.partition(":")[2], "must look like"),
        ("short:c2hvcnQ=", "at least 32 bytes"),
        ("k:not base64!", "not valid base64"),
    ],
    # Fixed ids: the keys are random, and pytest-xdist workers must collect the same test names.
    ids=["no-colon", "bad-id", "short", "not-base64"],
)
def test_a_malformed_key_is_refused(value: str, problem: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=problem):
        audit.parse_key(value)


def test_check_deploy_reports_a_missing_audit_key_even_with_the_demo_on(settings: Settings) -> None:
    from django.core.checks import run_checks

    settings.DEBUG, settings.DEMO_ENABLED, settings.AUDIT_KEY = False, True, ""
    assert "core.E001" in {message.id for message in run_checks(include_deployment_checks=True)}
    settings.AUDIT_KEY = KEY_2026
    assert "core.E001" not in {message.id for message in run_checks(include_deployment_checks=True)}


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain() -> None:
    """Eight writers at once: every entry links to the one before it (PostgreSQL: the advisory lock)."""
    import threading

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer; the race exists only on PostgreSQL")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit.record(actor=f"user/{n}", action="test.append", object_type="t", object_id=f"{n}-{i}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert AuditEntry.objects.count() == 80
    assert audit.verify_chain() is None
