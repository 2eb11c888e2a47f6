# SPDX-License-Identifier: MPL-2.0
"""Redis wakes the relay; with Redis down the relay polls and loses nothing."""

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections, transaction

from civicloop.core import events
from civicloop.core.models import Event
from civicloop.relay import wakeup
from civicloop.relay.relay import run_forever, run_pass
from civicloop.relay.tests import consumers
from civicloop.testing import redis_server

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/0"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def own_channel(settings: Any) -> Iterator[str]:
    """A channel of this test's own, so parallel runs on the same Redis do not wake each other."""
    settings.RELAY_WAKEUP_CHANNEL = f"civicloop:test:{uuid.uuid4()}"
    wakeup._down_until.clear()
    wakeup._last_ring[0] = 0.0
    yield settings.RELAY_WAKEUP_CHANNEL
    wakeup._down_until.clear()


@pytest.fixture
def live_redis(settings: Any, own_channel: str) -> str:
    settings.CIVICLOOP_REDIS_URL = redis_server.require(REDIS_URL)
    return own_channel


def test_with_redis_down_events_are_still_delivered_by_polling(
    settings: Any,
    own_channel: str,
    test_consumers: None,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given Redis is unreachable
    settings.CIVICLOOP_REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    settings.EVENT_CONSUMERS = {"memory": "civicloop.relay.tests.consumers.remember"}
    # when a change commits (its after-commit wake-up fails quietly)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        events.record("thing.happened", subject="thing/1", data={})
        events.record("thing.happened", subject="thing/2", data={})
    assert len(callbacks) == 1  # one wake-up per transaction, not per event
    assert "unavailable" in caplog.text
    assert not wakeup.publish_wakeup()
    # then the relay's wait falls back to a plain sleep, and its next pass delivers everything
    assert wakeup.Waiter().wait(0.05) is False
    run_pass()
    assert consumers.SEEN == [1, 2]


def test_an_empty_redis_url_turns_the_doorbell_off(settings: Any, own_channel: str) -> None:
    settings.CIVICLOOP_REDIS_URL = ""
    assert wakeup.publish_wakeup() is False
    assert wakeup.Waiter().wait(0.01) is False


def test_a_commit_that_recorded_events_wakes_a_waiting_relay(
    live_redis: str, django_capture_on_commit_callbacks: Any
) -> None:
    # given a relay waiting on the channel
    waiter = wakeup.Waiter()
    woke: list[bool] = []
    assert waiter.wait(0.01) is False  # subscribes
    thread = threading.Thread(target=lambda: woke.append(waiter.wait(30)))
    thread.start()
    # when a transaction that recorded an event commits
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.record("thing.happened", subject="thing/1", data={})
    thread.join(10)
    waiter.close()
    # then the relay woke long before its 30 s timeout
    assert woke == [True]


def test_commits_within_half_a_gather_ring_once_and_the_next_one_after_it_rings_again(
    settings: Any, live_redis: str
) -> None:
    # given a relay that gathers for 0.4 s after a wake-up (its pass comes after the next 0.2 s of commits)
    settings.RELAY_GATHER_SECONDS = 0.4
    waiter = wakeup.Waiter()
    assert waiter.wait(0.01) is False  # subscribed
    # when two commits ring within half a gather
    wakeup.ring_after_commit()
    wakeup.ring_after_commit()
    # then the relay is woken once
    assert waiter.wait(5) is True
    assert waiter.wait(0.1) is False
    # and a commit after half a gather rings again
    time.sleep(0.2)
    wakeup.ring_after_commit()
    assert waiter.wait(5) is True
    waiter.close()


def test_a_rolled_back_transaction_rings_no_bell(live_redis: str, django_capture_on_commit_callbacks: Any) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        events.record("thing.happened", subject="thing/1", data={})
        raise RuntimeError("rolled back")
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
def test_the_relay_loop_delivers_what_commits_while_it_waits(
    settings: Any, live_redis: str, record_event: Callable[..., Event], test_consumers: None
) -> None:
    # given the relay loop running with a long poll interval, so only a wake-up can explain speed
    settings.EVENT_CONSUMERS = {"memory": "civicloop.relay.tests.consumers.remember"}
    settings.RELAY_POLL_SECONDS = 20

    def relay() -> None:
        try:
            run_forever(max_passes=3)
        finally:
            connections.close_all()

    loop = threading.Thread(target=relay)
    loop.start()
    time.sleep(0.5)
    # when an event commits
    record_event()
    # then the loop's second pass (woken by Redis) delivers it; a third wake-up ends the loop
    deadline = time.monotonic() + 15
    while not consumers.SEEN and time.monotonic() < deadline:
        time.sleep(0.05)
    assert consumers.SEEN == [1]
    wakeup.publish_wakeup()
    loop.join(30)
    assert not loop.is_alive()
