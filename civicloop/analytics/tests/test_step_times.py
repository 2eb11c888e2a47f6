# SPDX-License-Identifier: MPL-2.0
"""The step-time chart keeps the municipality's time apart from the resident's (issue 11: paying the
fee was named as a municipal bottleneck)."""

from datetime import datetime, timedelta

import pytest
from django.db.models import Q
from django.utils import translation

from civicloop.analytics import consumer
from civicloop.analytics.dashboards import operations
from civicloop.analytics.dashboards.base import Filters
from civicloop.analytics.tests.conftest import case_events, event
from civicloop.cases.workflow import TASKS
from civicloop.core.models import Event

pytestmark = pytest.mark.django_db


def step(task: str, at: datetime, hours: float) -> list[Event]:
    return [
        event(
            "case.task_completed",
            "case/00000000-0000-0000-0000-000000000001",
            at,
            {"task": task, "department": "seiso", "procedure": "sodai-gomi", "duration_s": int(hours * 3600)},
        )
    ]


def test_every_task_kind_is_either_the_municipalitys_or_the_residents() -> None:
    assert set(TASKS) == operations.RESIDENT_STEPS | operations.OFFICE_STEPS
    assert not operations.RESIDENT_STEPS & operations.OFFICE_STEPS


def test_a_slow_fee_payment_is_the_residents_time_not_the_municipalitys_bottleneck(
    catalog: None, recent: datetime
) -> None:
    # given: residents take days to pay and to answer a 補正; review is the office's slowest step
    events = case_events("sodai-gomi", "seiso", recent)  # intake: 2 hours
    for n in range(5):
        at = recent + timedelta(hours=n)
        events += step("review", at, 20) + step("approval", at, 6) + step("fee", at, 120) + step("correction", at, 90)
    consumer.apply(events)

    # when: every row (scoping is tested in test_dashboards.py)
    with translation.override("ja"):
        chart = operations.step_times(Q(), Filters.from_query({}))

    # then: the note names the office's slowest step and says the resident's time is not in it
    assert chart.note.startswith("庁内の処理のボトルネック（庁内のステップの90パーセンタイル）：審査。")
    assert "手数料の納付" in chart.note and "含めていません" in chart.note
    whose = {row[0]: row[1] for row in chart.rows}
    assert whose["申請者による手数料の納付"] == "申請者"
    assert whose["申請者による補正"] == "申請者"
    assert whose["審査"] == "庁内" and whose["受付"] == "庁内"
    order = [row[0] for row in chart.rows]
    assert order.index("決裁") < order.index("申請者による補正"), "the municipality's steps come first"
