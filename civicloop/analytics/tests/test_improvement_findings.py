# SPDX-License-Identifier: MPL-2.0
"""Findings from the rollups: the drop-off funnel per step, 補正 causes, low ratings, bottlenecks,
and the before/after of an action in equal windows with their counts."""

import uuid
from datetime import date, datetime, timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from civicloop.analytics import consumer
from civicloop.analytics.dashboards.base import Filters, add_months
from civicloop.analytics.improvement.effect import before_and_after
from civicloop.analytics.improvement.findings import detect
from civicloop.analytics.improvement.measures import SEND, Key, load, measure
from civicloop.analytics.models import Finding
from civicloop.analytics.tests.conftest import case_events, event
from civicloop.core.models import Event

pytestmark = pytest.mark.django_db
EVERYTHING = Q()


def noon(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


def drafts(at: datetime, n: int, steps: list[str], *, submitted: bool = False) -> list[Event]:
    """`n` bulky-waste drafts that saved `steps` (and were sent, if `submitted`)."""
    events = []
    for _ in range(n):
        subject = f"application/{uuid.uuid4()}"
        events.append(event("application.started", subject, at, {"procedure": "sodai-gomi"}))
        for i, step in enumerate(steps):
            events.append(
                event(
                    "application.step_saved",
                    subject,
                    at + timedelta(minutes=i + 1),
                    {"procedure": "sodai-gomi", "step": step},
                )
            )
        if submitted:
            data = {"procedure": "sodai-gomi", "department": "seiso", "channel": "online"}
            events.append(event("application.submitted", subject, at + timedelta(minutes=9), data))
    return events


def corrections(at: datetime, n: int, fields: list[str], *, opened: int) -> list[Event]:
    """`opened` bulky-waste cases, `n` of which get a 補正 naming `fields`."""
    events: list[Event] = []
    for i in range(opened):
        one = case_events("sodai-gomi", "seiso", at, days=5)
        events += one[:2]  # submitted, opened
        if i < n:
            data = {"fields": fields, "attachments": [], "department": "seiso"}
            events.append(event("case.correction_requested", one[1].subject, at + timedelta(hours=1), data))
    return events


def test_the_funnel_counts_who_arrived_at_each_step_and_who_left_there(catalog: None, recent: datetime) -> None:
    # given: 40 drafts started; 30 saved 申込者, 10 of those saved 品目 too and 4 were sent
    consumer.apply(
        drafts(recent, 10, [])
        + drafts(recent, 20, ["applicant"])
        + drafts(recent, 6, ["applicant", "items", "collection"])
        + drafts(recent, 4, ["applicant", "items", "collection"], submitted=True)
    )
    figures = load(EVERYTHING, add_months(recent.date().replace(day=1), 0), add_months(recent.date().replace(day=1), 1))

    def left(stage: str) -> tuple[float | None, int, int]:
        m = measure(figures, Key(Finding.Kind.DROP_OFF, "sodai-gomi", stage))
        return m.value, m.count, m.base

    # then: each step's share is of those who arrived at it
    assert left("step:applicant") == (25.0, 10, 40)
    assert left("step:items") == (66.7, 20, 30)
    assert left("step:collection") == (0.0, 0, 10)
    assert left(SEND) == (60.0, 6, 10)


def test_a_step_most_residents_leave_is_a_finding_for_its_procedure(catalog: None, recent: datetime) -> None:
    consumer.apply(
        drafts(recent, 20, ["applicant"]) + drafts(recent, 30, ["applicant", "items", "collection"], submitted=True)
    )
    found = {(c.key.kind, c.key.subject): c for c in detect(EVERYTHING, Filters.from_query({}))}
    leaving = found[(Finding.Kind.DROP_OFF, "step:items")]
    assert leaving.department == "seiso"
    assert (leaving.measure.count, leaving.measure.base) == (20, 50)
    assert (Finding.Kind.DROP_OFF, "step:applicant") not in found  # nobody left there


def test_the_answer_that_corrections_name_most_is_a_finding_and_each_is_counted_once(
    catalog: None, recent: datetime
) -> None:
    # given: 40 cases; 8 corrections name 品目 (once each, though one lists it twice), 1 names 連絡先
    events = corrections(recent, 7, ["items"], opened=39) + corrections(
        recent, 1, ["items", "items", "contact"], opened=1
    )
    consumer.apply(events)
    found = {(c.key.kind, c.key.subject): c.measure for c in detect(EVERYTHING, Filters.from_query({}))}
    assert found[(Finding.Kind.CORRECTION, "answer:items")].count == 8
    assert found[(Finding.Kind.CORRECTION, "answer:items")].base == 40
    assert (Finding.Kind.CORRECTION, "answer:contact") not in found  # 1 in 40: the ordinary run


def test_many_low_ratings_are_a_finding_and_a_few_are_not(catalog: None, recent: datetime) -> None:
    def ratings(scores: list[int]) -> list[Event]:
        data = {"procedure": "sodai-gomi", "department": "seiso"}
        return [event("service.rated", f"application/{uuid.uuid4()}", recent, data | {"score": s}) for s in scores]

    consumer.apply(ratings([5] * 14 + [1, 2]))  # 16 ratings: too few to judge, however low
    assert not [c for c in detect(EVERYTHING, Filters.from_query({})) if c.key.kind == Finding.Kind.LOW_RATING]
    consumer.apply(ratings([4] * 10 + [1] * 4))
    low = next(c for c in detect(EVERYTHING, Filters.from_query({})) if c.key.kind == Finding.Kind.LOW_RATING)
    assert (low.measure.count, low.measure.base, low.measure.value) == (6, 30, 20.0)


def test_a_findings_are_only_from_figures_the_viewer_may_see(catalog: None, recent: datetime) -> None:
    consumer.apply(drafts(recent, 20, ["applicant"]) + drafts(recent, 30, ["applicant", "items"], submitted=True))
    assert detect(Q(department="koseki_juumin"), Filters.from_query({})) == []


def test_before_and_after_compare_equal_whole_months_either_side_of_the_action(catalog: None) -> None:
    # given: a 補正 naming 品目 in 10 of 40 cases each month until March, then in 2 of 40
    today = date(2026, 9, 15)
    events: list[Event] = []
    for month in range(1, 9):
        named = 10 if month <= 3 else 2
        events += corrections(noon(date(2026, month, 10)), named, ["items"], opened=40)
    consumer.apply(events)
    key = Key(Finding.Kind.CORRECTION, "sodai-gomi", "answer:items")

    # when: the action is dated 2026-04-14; then: Jan–Mar against May–Jul, April left out
    effect = before_and_after(EVERYTHING, key, date(2026, 4, 14), today)
    assert effect.months == 3
    assert (effect.before_start, effect.before_until) == (date(2026, 1, 1), date(2026, 4, 1))
    assert (effect.after_start, effect.after_until) == (date(2026, 5, 1), date(2026, 8, 1))
    assert (effect.before.count, effect.before.base, effect.before.value) == (30, 120, 25.0)
    assert effect.after is not None and (effect.after.count, effect.after.base) == (6, 120)
    assert effect.change == -20.0 and not effect.is_small_sample


def test_a_recent_action_is_compared_over_the_months_that_have_passed_and_says_its_sample_is_small(
    catalog: None,
) -> None:
    consumer.apply(corrections(noon(date(2026, 7, 10)), 3, ["items"], opened=12))
    consumer.apply(corrections(noon(date(2026, 9, 10)), 1, ["items"], opened=10))
    key = Key(Finding.Kind.CORRECTION, "sodai-gomi", "answer:items")
    # one complete month (September) after an action in August: one month each side
    effect = before_and_after(EVERYTHING, key, date(2026, 8, 20), date(2026, 10, 3))
    assert effect.months == 1 and effect.before_start == date(2026, 7, 1)
    assert effect.before.base == 12 and effect.after is not None and effect.after.base == 10
    assert effect.is_small_sample
    # no complete month yet: nothing after, and the page can say from when it will be measured
    waiting = before_and_after(EVERYTHING, key, date(2026, 9, 20), date(2026, 10, 3))
    assert waiting.months == 0 and waiting.after is None and waiting.measured_from == date(2026, 11, 1)
