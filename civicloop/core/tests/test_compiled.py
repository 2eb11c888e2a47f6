# SPDX-License-Identifier: MPL-2.0
"""A compiled query returns what its queryset returns, for any values, compiling only once."""

import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from civicloop.core.compiled import Param, compiled
from civicloop.core.models import Event

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

since_for = compiled(
    lambda: (
        Event.objects.filter(subject=Param("subject", Event, "subject"), time__gte=Param("since", Event, "time"))
        .exclude(id=Param("not_this", Event, "id"))
        .order_by("time", "id")
    )
)


def _events() -> list[Event]:
    return [
        Event.objects.create(
            source="/t", type="t.made", subject=subject, time=T0 + timedelta(hours=hour), data={"n": n}
        )
        for n, (subject, hour) in enumerate([("case/a", 0), ("case/a", 2), ("case/b", 1), ("case/a", 5)])
    ]


def _queryset(subject: str, since: datetime, not_this: uuid.UUID) -> list[Event]:
    return list(Event.objects.filter(subject=subject, time__gte=since).exclude(id=not_this).order_by("time", "id"))


def test_a_compiled_query_returns_what_its_queryset_returns_for_each_set_of_values() -> None:
    made = _events()
    for subject, since, not_this in [
        ("case/a", T0, uuid.uuid4()),
        ("case/a", T0 + timedelta(hours=1), made[3].id),
        ("case/b", T0, uuid.uuid4()),
        ("case/c", T0, uuid.uuid4()),
    ]:
        got = since_for(subject=subject, since=since, not_this=not_this)
        expected = _queryset(subject, since, not_this)
        assert [(e.id, e.time, e.data) for e in got] == [(e.id, e.time, e.data) for e in expected]
    # and the values were really used: the second set left out the one row it named
    assert [e.data["n"] for e in since_for(subject="case/a", since=T0 + timedelta(hours=1), not_this=made[3].id)] == [1]


def test_the_statement_is_compiled_once_and_rows_written_later_are_read() -> None:
    _events()
    since_for(subject="case/a", since=T0, not_this=uuid.uuid4())  # compiled (or already, by another test)
    counting = mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql)
    with counting as compiling, CaptureQueriesContext(connection) as queries:
        first = since_for(subject="case/a", since=T0, not_this=uuid.uuid4())
        Event.objects.create(source="/t", type="t.made", subject="case/a", time=T0 + timedelta(hours=9))
        second = since_for(subject="case/a", since=T0, not_this=uuid.uuid4())
    assert compiling.call_count == 0  # neither SELECT was compiled again (an INSERT has its own compiler)
    assert len(second) == len(first) + 1
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 2


def test_a_missing_value_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="'since'"):
        since_for(subject="case/a", not_this=uuid.uuid4())


def test_a_query_that_locks_rows_is_refused() -> None:
    locking = compiled(lambda: Event.objects.select_for_update().filter(subject=Param("s", Event, "subject")))
    with pytest.raises(ValueError, match="select_for_update"):
        locking(s="case/a")


def test_first_is_the_first_row_or_none() -> None:
    made = _events()
    assert since_for.first(subject="case/a", since=T0, not_this=uuid.uuid4()).id == made[0].id  # type: ignore[union-attr]
    assert since_for.first(subject="case/none", since=T0, not_this=uuid.uuid4()) is None


def test_get_is_the_one_row_or_the_models_errors() -> None:
    made = _events()
    one = compiled(lambda: Event.objects.filter(id=Param("id", Event, "id"))[:2])
    assert one.get(id=made[0].id).id == made[0].id
    with pytest.raises(Event.DoesNotExist):
        one.get(id=uuid.uuid4())
    several = compiled(lambda: Event.objects.filter(subject=Param("s", Event, "subject")).order_by("time")[:2])
    with pytest.raises(Event.MultipleObjectsReturned):
        several.get(s="case/a")
