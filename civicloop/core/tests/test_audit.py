# SPDX-License-Identifier: MPL-2.0
import pytest
from django.core.management import CommandError, call_command

from civicloop.core import audit
from civicloop.core.models import AppendOnlyError, AuditEntry

pytestmark = pytest.mark.django_db


def _three_entries() -> list[AuditEntry]:
    return [
        audit.record(actor="user/a", action="application.submit", object_type="application", object_id=str(i))
        for i in range(3)
    ]


def test_an_intact_chain_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    _three_entries()
    call_command("verify_audit_chain")
    assert "intact (3 entries)" in capsys.readouterr().out


def test_a_changed_entry_is_named() -> None:
    entries = _three_entries()
    AuditEntry.objects.filter(pk=entries[1].pk).update(actor="user/mallory")
    with pytest.raises(CommandError, match=f"entry {entries[1].seq}: .*changed"):
        call_command("verify_audit_chain")


def test_a_removed_entry_is_found_at_the_next_one() -> None:
    entries = _three_entries()
    AuditEntry.objects.filter(pk=entries[1].pk)._raw_delete(AuditEntry.objects.db)
    with pytest.raises(CommandError, match=f"entry {entries[2].seq}: .*removed or inserted"):
        call_command("verify_audit_chain")


def test_entries_cannot_be_saved_again_or_deleted_through_the_model() -> None:
    entry = _three_entries()[0]
    entry.actor = "someone else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


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
