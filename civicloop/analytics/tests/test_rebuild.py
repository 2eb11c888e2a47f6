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

from civicloop.analytics import consumer, durations, reading, rebuild, setbased, store
from civicloop.analytics.counting import COUNTED
from civicloop.analytics.models import AppliedEvent, DraftFact, MonthlyCount
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
        assert bisect.bisect_right(setbased.bucket_floors(), seconds) == durations.seconds_bucket(seconds)


def test_the_bucket_floors_are_exact_at_each_edge() -> None:
    for k, floor in enumerate(setbased.bucket_floors(), start=1):
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


# Subjects that name the same application as `application/<uuid>` (counting.subject_key), or none.
def spellings(application: uuid.UUID) -> st.SearchStrategy[str]:
    odd = [
        f"application/{str(application).upper()}",
        f"application/{application.hex}",
        f"x/{application}",
        "application/",
    ]
    return st.one_of(st.just(f"application/{application}"), st.sampled_from(odd))


texts = st.one_of(
    st.sampled_from(["sodai-gomi", "inkan-toroku", "no-such-procedure", ""]), st.none(), st.integers(0, 3)
)
channels = st.sampled_from(["counter", "online", "", None])
steps = st.one_of(st.sampled_from(["applicant", "items", "confirm", "", "長い手順" * 20]), st.none(), st.integers(0, 3))


@st.composite
def draft_events(draw: Any, odd: bool) -> list[Event]:
    """Drafts started, saved step by step (steps again, out of order) and submitted, or not."""
    base = timezone.make_aware(datetime(2025, 1, 1, 9))
    made: list[Event] = []
    for _ in range(draw(st.integers(1, 5))):
        application = uuid.uuid4()
        cls = draw(st.sampled_from(["OFFICIAL", "SECRET"]))
        at = base + timedelta(days=draw(st.integers(0, 90)))
        for _ in range(draw(st.integers(1, 6))):
            kind = draw(st.sampled_from(["application.started", "application.step_saved", "application.submitted"]))
            data: dict[str, Any] = {"procedure": draw(st.sampled_from(["sodai-gomi", "inkan-toroku", "no-such"]))}
            if kind == "application.step_saved":
                data["step"] = draw(st.sampled_from(["applicant", "items", "confirm", ""]))
            if kind == "application.submitted":
                data |= {"department": draw(st.sampled_from(["seiso", "", None])), "channel": draw(channels)}
            if odd and draw(st.booleans()):
                field = draw(st.sampled_from(["procedure", "step", "department", "channel"]))
                data[field] = draw(texts if field != "step" else steps)
            subject = draw(spellings(application)) if odd else f"application/{application}"
            # Same second on purpose at times: the handlers' order is time, then id.
            at += timedelta(seconds=draw(st.sampled_from([0, 1, 600])))
            made.append(event(kind, subject, at, data, cls))
    return made


@st.composite
def one_count_events(draw: Any) -> list[Event]:
    """Ratings and inquiries, with fields of every shape."""
    base = timezone.make_aware(datetime(2025, 3, 1, 9))
    made = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["service.rated", "inquiry.received", "inquiry.rerouted", "inquiry.answered"]))
        if kind == "service.rated":
            score = st.one_of(
                st.integers(-1, 7), st.floats(0, 6, allow_nan=False), st.sampled_from([None, "4", True, 1e-320, 1e10])
            )
            data = {"procedure": draw(texts), "department": draw(present), "score": draw(score)}
        else:
            data = {field: draw(present) for field in ("routed_to", "channel", "to", "department")}
        data = {k: v for k, v in data.items() if draw(st.booleans()) or k == "score"}
        at = base + timedelta(days=draw(st.integers(0, 60)), hours=draw(st.integers(0, 23)))
        made.append(event(kind, f"application/{uuid.uuid4()}", at, data, "OFFICIAL"))
    return made


@postgresql_only
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drafts=st.booleans().flatmap(draft_events), others=one_count_events())
def test_a_rebuild_counts_drafts_ratings_and_inquiries_as_the_handlers_do(
    catalog: None, drafts: list[Event], others: list[Event]
) -> None:
    # given: drafts (plain, or with an odd subject or field somewhere), ratings and inquiries
    Event.objects.all().delete()
    Event.objects.bulk_create(drafts + others)
    slow = count_event_by_event()
    # when
    rebuild.rebuild(batch_size=5)
    # then
    same(snapshot(), slow)


@postgresql_only
def test_plain_drafts_are_counted_in_sql_and_an_odd_one_sends_them_all_to_the_handlers(catalog: None) -> None:
    # given: one plain draft
    application = uuid.uuid4()
    at = timezone.make_aware(datetime(2025, 5, 1, 9))
    Event.objects.bulk_create(
        [
            event("application.started", f"application/{application}", at, {"procedure": "sodai-gomi"}),
            event(
                "application.step_saved", f"application/{application}", at, {"procedure": "sodai-gomi", "step": "items"}
            ),
        ]
    )
    store.truncate_rollups()
    # when / then: SQL takes both events and writes the draft
    assert setbased.count_drafts() == 2
    assert DraftFact.objects.get().steps == "items"
    # given: the same application spelled in capitals, once
    store.truncate_rollups()
    Event.objects.bulk_create([event("application.step_saved", f"application/{str(application).upper()}", at, {})])
    # when / then: SQL counts none of them
    assert setbased.count_drafts() is None
    assert not DraftFact.objects.exists() and not MonthlyCount.objects.exists()
