# SPDX-License-Identifier: MPL-2.0
"""The relay pass: order, checkpoints, crashes, backoff, missing consumers, redelivery."""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from civicloop.core.models import Event
from civicloop.relay import webhooks
from civicloop.relay.models import ConsumerCursor, WebhookDelivery, WebhookSubscription
from civicloop.relay.relay import run_pass
from civicloop.relay.sequence import reserve_positions
from civicloop.relay.tests import consumers

pytestmark = pytest.mark.django_db

REMEMBER = "civicloop.relay.tests.consumers.remember"


def test_it_hands_a_consumer_every_event_in_order_and_checkpoints(
    settings: Any, record_event: Callable[..., Event], test_consumers: None
) -> None:
    # given
    settings.EVENT_CONSUMERS = {"memory": REMEMBER}
    settings.RELAY_BATCH_SIZE = 2
    recorded = [record_event(subject=f"thing/{n}") for n in range(5)]
    # when: batches of two, so three passes are needed
    for _ in range(3):
        run_pass()
    # then
    positions = list(Event.objects.order_by("time", "id").values_list("position", flat=True))
    assert positions == [1, 2, 3, 4, 5]
    assert consumers.SEEN == [1, 2, 3, 4, 5]
    assert ConsumerCursor.objects.get(name="memory").position == 5
    assert [e.pk for e in Event.objects.order_by("position")] == [e.pk for e in recorded]


def test_a_pass_with_nothing_new_hands_nothing_again(
    settings: Any, record_event: Callable[..., Event], test_consumers: None
) -> None:
    settings.EVENT_CONSUMERS = {"memory": REMEMBER}
    record_event()
    run_pass()
    assert run_pass() == 0
    assert consumers.SEEN == [1]


def test_positions_continue_from_the_head_for_events_committed_later(
    settings: Any, record_event: Callable[..., Event], test_consumers: None
) -> None:
    settings.EVENT_CONSUMERS = {"memory": REMEMBER}
    record_event()
    run_pass()
    # An event written with an earlier time but made visible after the first pass still comes.
    late = record_event()
    Event.objects.filter(pk=late.pk).update(time=timezone.now() - timedelta(hours=1))
    run_pass()
    assert Event.objects.get(pk=late.pk).position == 2
    assert consumers.SEEN == [1, 2]


def test_a_crashed_db_consumer_rolls_back_its_writes_keeps_its_checkpoint_and_loses_nothing(
    settings: Any, record_event: Callable[..., Event], receiver: Any, test_consumers: None
) -> None:
    # given a subscriber, and a consumer that queues its deliveries and then crashes once
    WebhookSubscription.objects.create(name="crm", url=receiver.url)
    settings.EVENT_CONSUMERS = {"flaky": "civicloop.relay.tests.consumers.queue_then_crash"}
    settings.RELAY_BACKOFF_BASE_SECONDS = 60
    consumers.CRASHES_LEFT["n"] = 1
    record_event()
    record_event()
    # when it crashes
    run_pass()
    # then its writes are gone, its checkpoint did not move, and it backs off
    cursor = ConsumerCursor.objects.get(name="flaky")
    assert (cursor.position, cursor.failures) == (0, 1)
    assert "consumer crashed after writing" in cursor.last_error
    assert cursor.retry_at is not None and cursor.retry_at > timezone.now() + timedelta(seconds=50)
    assert not WebhookDelivery.objects.exists()
    run_pass()
    assert not WebhookDelivery.objects.exists()  # still backing off: not called again yet
    # when the backoff has passed, it recovers and every event is applied exactly once
    ConsumerCursor.objects.filter(name="flaky").update(retry_at=timezone.now() - timedelta(seconds=1))
    run_pass()
    cursor.refresh_from_db()
    assert (cursor.position, cursor.failures) == (2, 0) and cursor.retry_at is None
    assert sorted(WebhookDelivery.objects.values_list("position", flat=True)) == [1, 2]


def test_one_failing_consumer_does_not_hold_up_the_others(
    settings: Any, record_event: Callable[..., Event], test_consumers: None
) -> None:
    settings.EVENT_CONSUMERS = {"broken": "civicloop.relay.tests.consumers.always_fails", "memory": REMEMBER}
    record_event()
    run_pass()
    assert consumers.SEEN == [1]
    assert ConsumerCursor.objects.get(name="broken").position == 0
    assert ConsumerCursor.objects.get(name="memory").position == 1


def test_backoff_doubles_with_each_consecutive_failure_up_to_the_cap(
    settings: Any, record_event: Callable[..., Event], test_consumers: None
) -> None:
    settings.EVENT_CONSUMERS = {"broken": "civicloop.relay.tests.consumers.always_fails"}
    settings.RELAY_BACKOFF_BASE_SECONDS = 10
    settings.RELAY_BACKOFF_MAX_SECONDS = 30
    record_event()
    waits = []
    for _ in range(3):
        ConsumerCursor.objects.filter(name="broken").update(retry_at=None)
        before = timezone.now()
        run_pass()
        retry_at = ConsumerCursor.objects.get(name="broken").retry_at
        assert retry_at is not None
        waits.append(round((retry_at - before).total_seconds()))
    assert waits == [10, 20, 30]


def test_a_consumer_that_cannot_be_imported_is_skipped_with_a_warning_and_starts_at_the_beginning_later(
    settings: Any, record_event: Callable[..., Event], test_consumers: None, caplog: pytest.LogCaptureFixture
) -> None:
    # given a consumer whose module does not exist yet
    settings.EVENT_CONSUMERS = {"future": "civicloop.relay.tests.not_written_yet.apply", "memory": REMEMBER}
    record_event()
    record_event()
    with caplog.at_level(logging.WARNING, logger="civicloop.relay"):
        run_pass()
    assert "future" in caplog.text and "cannot be imported" in caplog.text
    assert not ConsumerCursor.objects.filter(name="future").exists()
    assert consumers.SEEN == [1, 2]
    # when it appears, it gets the whole log
    consumers.SEEN.clear()
    settings.EVENT_CONSUMERS = {"future": REMEMBER}
    run_pass()
    assert consumers.SEEN == [1, 2]


def test_a_redelivered_event_is_applied_once(
    settings: Any, record_event: Callable[..., Event], receiver: Any, test_consumers: None
) -> None:
    # given the webhooks consumer has applied two events
    WebhookSubscription.objects.create(name="crm", url=receiver.url)
    settings.EVENT_CONSUMERS = {"webhooks": "civicloop.relay.webhooks.apply"}
    record_event()
    record_event()
    run_pass()
    assert WebhookDelivery.objects.count() == 2
    # when the relay delivers them again (a checkpoint restored from before, at-least-once)
    ConsumerCursor.objects.filter(name="webhooks").update(position=0)
    run_pass()
    webhooks.apply(list(Event.objects.order_by("position")))
    # then nothing is queued or sent twice
    assert WebhookDelivery.objects.count() == 2
    assert len(receiver.requests) == 2


def test_a_bulk_loader_may_number_its_own_rows_and_the_relay_goes_on_after_them(
    settings: Any, record_event: Callable[..., Event], test_consumers: None
) -> None:
    # given one event already in the log
    settings.EVENT_CONSUMERS = {"memory": REMEMBER}
    record_event()
    run_pass()
    # when a history generator writes three rows with reserved positions
    with transaction.atomic():
        first = reserve_positions(3)
        Event.objects.bulk_create(
            Event(
                source="urn:lg:131130",
                type="jp.lg.civicloop.thing.old",
                subject="thing/old",
                time=timezone.now(),
                data={},
                position=first + n,
            )
            for n in range(3)
        )
    record_event()
    run_pass()
    # then consumers get them in order, and the next event is numbered after them
    assert first == 2
    assert consumers.SEEN == [1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
def test_reserving_positions_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside"):
        reserve_positions(3)
