# SPDX-License-Identifier: MPL-2.0
"""Rows held in an insert batch are written together, and nothing inside the batch misses them."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications.models import Application, StatusChange
from civicloop.catalog.models import Procedure
from civicloop.core import audit, insert_batch
from civicloop.core.models import AuditEntry, Event

pytestmark = pytest.mark.django_db


def _event(subject: str) -> Event:
    return Event(source="urn:lg:test", type="jp.lg.civicloop.thing.happened", subject=subject, time=timezone.now())


def test_held_rows_are_written_only_at_the_end_of_the_block() -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with insert_batch.collect():
            first, second = _event("thing/1"), _event("thing/2")
            insert_batch.add(first)
            insert_batch.add(second)
            assert insert_batch.holds(first) and insert_batch.holds(second)
            assert len(queries) == 0
        written = len(queries)
    assert set(Event.objects.values_list("subject", flat=True)) == {"thing/1", "thing/2"}
    assert written == (1 if connection.vendor == "postgresql" else 2)


def test_a_row_pointing_at_a_held_row_gets_its_new_id(sodai_gomi: Procedure, resident: User) -> None:
    # given an application and its history line, both held
    application = Application(
        procedure_version=sodai_gomi.current_version, applicant=resident, answers={"a": 1}, status="submitted"
    )
    line = StatusChange(application=application, status="submitted", at=timezone.now())
    with transaction.atomic(), insert_batch.collect():
        insert_batch.add(application)
        insert_batch.add(line)
        assert application.pk is None
    # then both are written, the line points at the application, and neither is "adding" any more
    assert application.pk is not None and line.pk is not None
    assert StatusChange.objects.get(pk=line.pk).application_id == application.pk
    assert Application.objects.get(pk=application.pk).answers == {"a": 1}
    assert not application._state.adding and not line._state.adding


def test_a_query_inside_the_block_sees_the_held_rows() -> None:
    with transaction.atomic(), insert_batch.collect():
        insert_batch.add(_event("thing/seen"))
        assert Event.objects.filter(subject="thing/seen").exists()
        assert not insert_batch.holds(Event.objects.get(subject="thing/seen"))


def test_a_statement_that_reads_only_other_tables_leaves_the_rows_held() -> None:
    with transaction.atomic(), insert_batch.collect():
        event = _event("thing/held")
        insert_batch.add(event)
        with insert_batch.reads_only(AuditEntry):
            AuditEntry.objects.count()
        assert insert_batch.holds(event)
    assert Event.objects.filter(subject="thing/held").exists()


def test_held_rows_are_dropped_when_the_block_fails_and_nothing_is_held_after() -> None:
    with pytest.raises(RuntimeError), transaction.atomic(), insert_batch.collect():
        insert_batch.add(_event("thing/lost"))
        raise RuntimeError("the change failed")
    with CaptureQueriesContext(connection) as queries:
        assert not Event.objects.filter(subject="thing/lost").exists()
    assert len(queries) == 1


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_collect_outside_a_transaction() -> None:
    with pytest.raises(insert_batch.NotInTransaction), insert_batch.collect():
        pass


def test_outside_a_batch_a_row_is_written_at_once() -> None:
    event = _event("thing/now")
    insert_batch.add(event)
    assert Event.objects.filter(pk=event.pk).exists()


def test_two_audit_entries_in_one_batch_form_an_unbroken_chain() -> None:
    with transaction.atomic(), insert_batch.collect():
        first = audit.record(actor="system", action="thing.one", object_type="thing", object_id="1")
        second = audit.record(actor="system", action="thing.two", object_type="thing", object_id="2")
    assert second.prev_hash == first.hash
    assert audit.verify_chain() is None
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["thing.one", "thing.two"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_on_postgresql_the_chain_is_prepared_once_and_then_only_bound(sodai_gomi: Procedure, resident: User) -> None:
    def write(number: int) -> Application:
        application = Application(
            procedure_version=sodai_gomi.current_version, applicant=resident, answers={"n": number}, status="submitted"
        )
        with transaction.atomic(), insert_batch.collect():
            insert_batch.add(application)
            insert_batch.add(StatusChange(application=application, status="submitted", at=timezone.now()))
        return application

    # given three batches of the same shape, with different values
    written = [write(number) for number in range(3)]

    # then each row went in with its own values, through one statement PostgreSQL prepared once
    assert [Application.objects.get(pk=a.pk).answers for a in written] == [{"n": 0}, {"n": 1}, {"n": 2}]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ['WITH r0 AS (INSERT INTO "applications_application"%'],
        )
        assert cursor.fetchall() == [(3,)]
