# SPDX-License-Identifier: MPL-2.0
"""The fast rebuild (GROUP BY in SQL for the distributions) gives what counting event by event gives."""

import bisect
import math
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicloop.analytics import consumer, durations, reading, rebuild, store
from civicloop.analytics.counting import COUNTED
from civicloop.analytics.models import AppliedEvent, MonthlyCount
from civicloop.analytics.tests.conftest import case_events, event
from civicloop.analytics.tests.test_consumer import snapshot
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import Event

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based rebuild is PostgreSQL's; SQLite counts event by event"
)


@given(st.floats(min_value=0, max_value=2e12, allow_nan=False))
def test_the_bucket_floors_give_the_bucket_of_every_duration(seconds: float) -> None:
    if seconds < 1e12:
        assert bisect.bisect_right(rebuild.bucket_floors(), seconds) == durations.seconds_bucket(seconds)


def test_the_bucket_floors_are_exact_at_each_edge() -> None:
    for k, floor in enumerate(rebuild.bucket_floors(), start=1):
        assert durations.seconds_bucket(floor) == k
        assert durations.seconds_bucket(math.nextafter(floor, 0)) == k - 1


def count_event_by_event() -> dict[str, list[Any]]:
    """The incremental path: the consumer over the event table in batches, as the relay delivers it."""
    store.truncate_rollups()
    for items in reading.iter_items(batch_size=97):
        consumer.apply_items(items)
    return snapshot()


def same(fast: dict[str, list[Any]], slow: dict[str, list[Any]]) -> None:
    # Histogram totals are float sums in another order: equal to the last few bits, not exactly.
    assert {k: v for k, v in fast.items() if k != "histogram"} == {k: v for k, v in slow.items() if k != "histogram"}
    assert [row[:-1] for row in fast["histogram"]] == [row[:-1] for row in slow["histogram"]]
    for a, b in zip(fast["histogram"], slow["histogram"], strict=True):
        assert math.isclose(a[-1], b[-1], rel_tol=1e-9, abs_tol=1e-6)


@postgresql_only
def test_a_rebuild_of_a_generated_history_equals_counting_it_event_by_event(catalog: None) -> None:
    # given: a generated history (real shapes: every workflow step, 決裁 with 代決, 補正, drafts)
    call_command(
        "generate_history", years=0.3, scale=0.01, seed=11, end="2026-06-30", rows=False, skip_rollups=True, verbosity=0
    )
    slow = count_event_by_event()
    assert any(row[0] == "approval_proxy" for row in slow["monthly"]) and slow["histogram"]
    # when
    counted = rebuild.rebuild(batch_size=500)
    # then
    same(snapshot(), slow)
    counted_types = [TYPE_PREFIX + kind for kind in COUNTED]
    assert counted == AppliedEvent.objects.count() == Event.objects.filter(type__in=counted_types).count()


# Field values the consumer's handlers accept, and odd ones the SQL must leave to them.
durations_ = st.one_of(
    st.floats(min_value=-10, max_value=1e9, allow_nan=False),
    st.integers(min_value=-5, max_value=10**7),
    st.sampled_from([None, "12.5", "x", 1e12, 5e13, True]),
)
names = st.one_of(st.sampled_from(["review", "intake", "kacho", "", "長い名前" * 20]), st.none(), st.integers(0, 3))
present = st.sampled_from(["seiso", "koseki_juumin", "", None, 7])
procedures = st.sampled_from(["sodai-gomi", "inkan-toroku", "no-such-procedure", "", None])


@st.composite
def odd_events(draw: Any) -> list[Event]:
    base = timezone.make_aware(datetime(2025, 1, 1, 9))
    made: list[Event] = []
    for _ in range(draw(st.integers(1, 6))):
        opened = base + timedelta(days=draw(st.integers(0, 500)), minutes=draw(st.integers(0, 1440)))
        procedure = draw(st.sampled_from(["sodai-gomi", "inkan-toroku"]))
        cls = draw(st.sampled_from(["OFFICIAL", "SECRET"]))
        made += case_events(procedure, "seiso", opened, days=draw(st.integers(0, 40)), classification=cls)
        case = made[-5].subject
        for _ in range(draw(st.integers(0, 6))):
            kind = draw(st.sampled_from(["case.task_completed", "case.approval_step"]))
            data: dict[str, Any] = {}
            for field, values in (
                ("procedure", procedures),
                ("department", present),
                ("task" if kind == "case.task_completed" else "level", names),
                ("duration_s" if kind == "case.task_completed" else "waited_s", durations_),
                ("proxy", st.sampled_from([True, False, None, "yes", 1])),
            ):
                if draw(st.booleans()) or field in ("procedure", "department"):
                    value = draw(values)
                    if value is not None or draw(st.booleans()):
                        data[field] = value
            at = opened + timedelta(hours=draw(st.integers(0, 900)), seconds=draw(st.integers(0, 59)))
            made.append(event(kind, draw(st.sampled_from([case, f"case/{uuid.uuid4()}"])), at, data, cls))
    return made


@postgresql_only
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=odd_events())
def test_a_rebuild_equals_counting_event_by_event_whatever_the_events_hold(catalog: None, events: list[Event]) -> None:
    # given: the events of a few cases, with task and approval events of every shape
    Event.objects.all().delete()
    Event.objects.bulk_create(events)
    slow = count_event_by_event()
    # when
    rebuild.rebuild(batch_size=7)
    # then
    same(snapshot(), slow)


@postgresql_only
def test_a_rebuild_leaves_every_event_applied_so_a_redelivery_counts_nothing(catalog: None, recent: Any) -> None:
    events = case_events("sodai-gomi", "seiso", recent) + case_events("inkan-toroku", "koseki_juumin", recent)
    Event.objects.bulk_create(events)
    rebuild.rebuild()
    once = snapshot()
    assert consumer.apply(events) == 0
    assert snapshot() == once
    assert MonthlyCount.objects.get(metric="submitted", procedure="sodai-gomi").count == 1
