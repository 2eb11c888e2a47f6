# SPDX-License-Identifier: MPL-2.0
"""Positions: only committed events get one, so a slow transaction's event is never skipped."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from civicloop.core import events
from civicloop.core.models import Event
from civicloop.relay.relay import run_pass
from civicloop.relay.sequence import assign_positions, head_position
from civicloop.relay.tests import consumers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs two concurrent writers: PostgreSQL only (SQLite has one writer at a time)")


def test_an_event_committed_late_is_not_skipped_by_a_consumer_that_moved_on(
    settings: Any, postgres_only: None, record_event: Callable[..., Event], test_consumers: None
) -> None:
    # given a transaction that has recorded an event but not yet committed
    settings.EVENT_CONSUMERS = {"memory": "civicloop.relay.tests.consumers.remember"}
    recorded, release = threading.Event(), threading.Event()

    def slow_transaction() -> None:
        try:
            with transaction.atomic():
                events.record("thing.slow", subject="thing/slow", data={})
                recorded.set()
                release.wait(20)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_transaction)
    thread.start()
    assert recorded.wait(20)
    # when a later event commits first and the relay passes
    record_event("thing.fast", subject="thing/fast")
    run_pass()
    # then only the committed one has a position and the consumer moved past it
    assert consumers.SEEN == [1]
    assert Event.objects.get(subject="thing/fast").position == 1
    # when the slow one commits
    release.set()
    thread.join(20)
    run_pass()
    # then it gets the next position, though its time is earlier, and the consumer still gets it
    slow = Event.objects.get(subject="thing/slow")
    assert slow.position == 2 and slow.time < Event.objects.get(subject="thing/fast").time
    assert consumers.SEEN == [1, 2]


def test_concurrent_sequencers_hand_out_each_position_once(postgres_only: None) -> None:
    with transaction.atomic():
        for n in range(300):
            events.record("thing.happened", subject=f"thing/{n}", data={})
    errors: list[BaseException] = []

    def sequence() -> None:
        try:
            while assign_positions(limit=7):
                pass
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sequence) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    positions = list(Event.objects.values_list("position", flat=True))
    assert None not in positions
    assert sorted(p for p in positions if p is not None) == list(range(1, 301))
    assert head_position() == 300
