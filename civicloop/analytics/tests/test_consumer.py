# SPDX-License-Identifier: MPL-2.0
"""The rollup consumer: incremental equals rebuild, redelivery counts once, real events count."""

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command

from civicloop.analytics import consumer, rebuild
from civicloop.analytics.models import CaseFact, DailyCount, DraftFact, MonthlyCount, MonthlyHistogram
from civicloop.analytics.tests.conftest import case_events, event
from civicloop.core.calendar import business_days_between
from civicloop.core.models import Event

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[Any]]:
    return {
        "monthly": sorted(
            MonthlyCount.objects.values_list(
                "metric", "month", "department", "procedure", "classification", "dim", "count"
            )
        ),
        "daily": sorted(
            DailyCount.objects.values_list("metric", "day", "department", "procedure", "classification", "count")
        ),
        "histogram": sorted(
            (m, mo, d, p, c, dim, b, n, round(t, 3))
            for m, mo, d, p, c, dim, b, n, t in MonthlyHistogram.objects.values_list(
                "metric", "month", "department", "procedure", "classification", "dim", "bucket", "count", "total"
            )
        ),
        "cases": sorted(
            CaseFact.objects.values_list(
                "case_id", "department", "assignee", "closed_at", "due_date", "paused_business_days"
            )
        ),
        "drafts": sorted(DraftFact.objects.values_list("application_id", "steps", "submitted")),
    }


def test_counting_as_the_history_is_written_gives_the_same_rollups_as_a_rebuild(catalog: None) -> None:
    # given: a history whose rollups were counted incrementally, flush by flush, as it was written
    call_command("generate_history", years=0.2, scale=0.01, seed=7, end="2026-06-30", flush_events=700, verbosity=0)
    incremental = snapshot()
    assert len(incremental["monthly"]) > 50 and incremental["histogram"]
    # when
    rebuild.rebuild(batch_size=999)
    # then
    assert snapshot() == incremental


def test_a_redelivered_batch_counts_once(catalog: None, recent: Any) -> None:
    events = case_events("sodai-gomi", "seiso", recent) + case_events("sodai-gomi", "seiso", recent)
    assert consumer.apply(events) == len(events)
    once = snapshot()
    assert consumer.apply(events) == 0
    # Batches cut differently on redelivery (an overlap, then the rest) change nothing either.
    assert consumer.apply(events[3:9]) == 0
    assert snapshot() == once
    submitted = MonthlyCount.objects.get(metric="submitted", procedure="sodai-gomi")
    assert submitted.count == 2


def test_events_of_one_case_in_separate_batches_make_the_same_figures_as_one_batch(catalog: None, recent: Any) -> None:
    events = case_events("sodai-gomi", "seiso", recent, days=4)
    for one in events:
        consumer.apply([one])
    split = snapshot()
    rebuild.rebuild()  # nothing is in the event table: a rebuild empties the rollups
    assert snapshot()["monthly"] == []
    consumer.apply(events)
    assert snapshot() == split
    days = MonthlyHistogram.objects.get(metric="processing_days", procedure="sodai-gomi")
    # 粗大ごみ's period is in business days: the figure is in business days too.
    expected = business_days_between(recent.date(), (recent + timedelta(days=4)).date())
    assert (days.bucket, days.count) == (expected, 1)


def test_a_correction_pauses_the_processing_days_and_moves_the_due_date(catalog: None, recent: Any) -> None:
    # given: a calendar-day procedure (印鑑登録, 7 days); the resident took 5 days to answer the 補正 request
    events = case_events("inkan-toroku", "koseki_juumin", recent, days=9)
    application, case = events[0].subject, events[1].subject
    events[4:4] = [
        event("case.correction_requested", case, recent + timedelta(days=1), {"department": "koseki_juumin"}),
        event("application.corrected", application, recent + timedelta(days=6), {"paused_business_days": 3}),
    ]
    # when
    consumer.apply(events)
    # then
    days = MonthlyHistogram.objects.get(metric="processing_days")
    assert days.bucket == 9 - 5
    fact = CaseFact.objects.get()
    assert fact.due_date > date.fromisoformat(events[1].data["due_date"])
    assert MonthlyCount.objects.get(metric="correction").count == 1


def test_events_the_rollups_do_not_use_are_ignored(recent: Any) -> None:
    assert consumer.apply([event("resident.registered", "user/x", recent, {"issuer": "https://idp"})]) == 0
    assert not MonthlyCount.objects.exists()


def test_a_real_submission_is_counted_from_the_events_it_records(resident: Any, sodai_gomi: Any) -> None:
    from civicloop.applications import actions
    from civicloop.conftest import VALID_SODAI_GOMI

    actions.submit_from_api(user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="k-1")
    consumer.apply(list(Event.objects.order_by("time", "id")))
    assert MonthlyCount.objects.get(metric="submitted").dim == "online"
    opened = MonthlyCount.objects.get(metric="opened")
    assert (opened.department, opened.procedure, opened.count) == ("seiso", "sodai-gomi", 1)
    assert CaseFact.objects.get().closed_at is None


def test_rebuild_moves_the_relay_checkpoint_to_what_it_counted(catalog: None, recent: Any) -> None:
    if not apps.is_installed("civicloop.relay"):
        pytest.skip("no relay installed")
    from civicloop.relay.models import ConsumerCursor
    from civicloop.relay.sequence import head_position

    Event.objects.bulk_create(case_events("sodai-gomi", "seiso", recent))
    rebuild.rebuild()
    assert ConsumerCursor.objects.get(name="analytics").position == head_position() > 0
    assert MonthlyCount.objects.get(metric="submitted").count == 1


def test_the_rebuild_command_recounts_the_event_table(catalog: None, recent: Any) -> None:
    Event.objects.bulk_create(case_events("sodai-gomi", "seiso", recent) + case_events("sodai-gomi", "seiso", recent))
    MonthlyCount.objects.create(
        metric="submitted", month=recent.date().replace(day=1), department="seiso", procedure="sodai-gomi", count=99
    )
    out = io.StringIO()
    call_command("rebuild_rollups", stdout=out, verbosity=0)
    assert MonthlyCount.objects.get(metric="submitted").count == 2
    assert "12 events counted" in out.getvalue()


def test_a_rebuild_after_a_reassignment_credits_the_earlier_work_to_the_earlier_clerk(
    resident: Any, sodai_gomi: Any
) -> None:
    from civicloop.accounts.models import Department, Position, User
    from civicloop.applications import actions as application_actions
    from civicloop.cases import actions as case_actions
    from civicloop.cases.models import Case
    from civicloop.conftest import VALID_SODAI_GOMI

    # given: clerk A takes the case, then the 係長 gives it to clerk B, and the resident withdraws it
    seiso = Department.objects.get(code="seiso")
    a, b, chief = (
        User.objects.create(username=name, kind=User.Kind.STAFF, full_name=name, position=position)
        for name, position in (("a", Position.CLERK), ("b", Position.CLERK), ("kakari", Position.KAKARICHO))
    )
    for user in (a, b, chief):
        user.departments.add(seiso)
    application, _ = application_actions.submit_from_api(
        user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="k-reassign"
    )
    case = Case.objects.get(application=application)
    case_actions.claim_case(case=case, clerk=a)
    consumer.apply(list(Event.objects.order_by("time", "id")))  # counted as it happened: A took it
    case_actions.assign_cases(cases=[case], by=chief, assignee=b)
    case_actions.withdraw_application(application=application, resident=resident)
    consumer.apply(list(Event.objects.order_by("time", "id")))
    incremental = snapshot()
    # when: the rollups are rebuilt from the event table, after the reassignment
    rebuild.rebuild()
    # then: A is still the one who took the case on; B, who had it when it closed, closed it
    assert snapshot() == incremental
    by_metric = {m.metric: m.dim for m in MonthlyCount.objects.filter(metric__in=["claimed", "assigned", "closed_by"])}
    assert by_metric == {"claimed": str(a.public_id), "assigned": str(b.public_id), "closed_by": str(b.public_id)}
    assert CaseFact.objects.get().assignee == str(b.public_id)


def test_the_due_date_after_a_correction_is_the_one_the_event_states(catalog: None, recent: Any) -> None:
    # given: a 補正 whose event states the moved due date (here one no recomputation would give)
    events = case_events("sodai-gomi", "seiso", recent, days=20)
    application, case = events[0].subject, events[1].subject
    stated = date.fromisoformat(events[1].data["due_date"]) + timedelta(days=40)
    events[4:4] = [
        event("case.correction_requested", case, recent + timedelta(days=1), {"department": "seiso"}),
        event(
            "application.corrected",
            application,
            recent + timedelta(days=6),
            {"paused_business_days": 3, "due_date": stated.isoformat()},
        ),
    ]
    # when
    consumer.apply(events)
    # then
    assert CaseFact.objects.get().due_date == stated
