# SPDX-License-Identifier: MPL-2.0
"""Time per step and the directly-follows graph, from the event table (both ways agree)."""

from datetime import UTC, datetime, timedelta

import pytest

from civicloop.core.models import Event
from civicloop.relay import mining

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 4, 1, tzinfo=UTC)


def completed(case: str, task: str, hours: float, duration_h: float, tier: str = "OFFICIAL") -> None:
    Event.objects.create(
        source="urn:lg:131130",
        type=mining.TASK_COMPLETED,
        subject=f"case/{case}",
        time=T0 + timedelta(hours=hours),
        data={"task": task, "duration_s": duration_h * 3600},
        classification=tier,
    )


@pytest.fixture
def log() -> None:
    """Two cases, written out of order: a: review → approve → issue; b: review → correct → review → approve."""
    completed("b", "approve", 30, 4)
    completed("a", "review", 2, 2)
    completed("b", "review", 1, 1)
    completed("a", "issue", 10, 2)
    completed("b", "correct", 11, 10)
    completed("a", "approve", 8, 6)
    completed("b", "review", 26, 15)
    completed("c", "review", 5, 5, tier="SECRET")  # not in an OFFICIAL-only analysis


EXPECTED = [
    mining.Edge("approve", "issue", 1, 2 * 3600.0),
    mining.Edge("correct", "review", 1, 15 * 3600.0),
    mining.Edge("review", "approve", 2, (6 + 4) / 2 * 3600.0),
    mining.Edge("review", "correct", 1, 10 * 3600.0),
]


def test_the_directly_follows_graph_has_each_edge_with_its_count_and_mean(log: None) -> None:
    assert mining.directly_follows(mining.load_task_log()) == EXPECTED


def test_the_database_computes_the_same_graph(log: None) -> None:
    edges = mining.directly_follows_sql()
    assert [(e.source, e.target, e.count) for e in edges] == [(e.source, e.target, e.count) for e in EXPECTED]
    for got, want in zip(edges, EXPECTED, strict=True):
        assert got.mean_s == pytest.approx(want.mean_s, rel=1e-6)


def test_time_per_step_gives_count_mean_median_and_90th_percentile(log: None) -> None:
    review = next(s for s in mining.step_times(mining.load_task_log()) if s.task == "review")
    assert review.count == 3
    assert review.mean_s == pytest.approx((2 + 1 + 15) / 3 * 3600)
    assert review.p50_s == pytest.approx(2 * 3600)
    assert review.p90_s == pytest.approx((2 + 0.8 * 13) * 3600)  # linear interpolation, as percentile_cont


def test_cleared_analyses_may_include_secret_cases(log: None) -> None:
    everything = mining.load_task_log(tiers=["OFFICIAL", "SECRET"])
    assert len(everything) == 8
    assert len(mining.load_task_log(since=T0 + timedelta(hours=9))) == 4


def test_an_empty_log_has_no_edges_and_no_steps(db: None) -> None:
    empty = mining.load_task_log()
    assert (mining.directly_follows(empty), mining.step_times(empty), mining.directly_follows_sql()) == ([], [], [])
