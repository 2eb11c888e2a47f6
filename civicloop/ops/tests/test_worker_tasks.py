# SPDX-License-Identifier: MPL-2.0
"""The Celery tasks, run eagerly: one per WORKER_TASKS entry, draining, and dying without loss or doubles."""

import runpy
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.core import events
from civicloop.core.models import Event
from civicloop.notifications.actions import notify
from civicloop.notifications.models import Message
from civicloop.ops.tests import worker_consumers
from civicloop.ops.tests.worker_consumers import APPLIED, WorkerKilled
from civicloop.ops.worker_tasks import UnknownWorkerTask, drain
from civicloop.relay.models import ConsumerCursor
from config.celery import TASK_PREFIX, TASKS, app

pytestmark = pytest.mark.django_db

RECORD_EACH = "civicloop.ops.tests.worker_consumers.record_each"
NOTICE_CONTEXT = {
    "procedure": {"ja": "粗大ごみ収集申込", "en": "Bulky waste collection"},
    "receipt_number": "2026-7KQ4-M9XD",
    "application_url": "http://127.0.0.1:8000/applications/x/",
}


@pytest.fixture
def recording_consumer(settings: Any) -> Iterator[None]:
    settings.EVENT_CONSUMERS = {"recorder": RECORD_EACH}
    settings.RELAY_BACKOFF_BASE_SECONDS = 0.0
    worker_consumers.KILL_AFTER["n"] = -1
    yield
    worker_consumers.KILL_AFTER["n"] = -1


def _record(count: int) -> list[Event]:
    with transaction.atomic():
        return [events.record("thing.happened", subject=f"thing/{n}", data={}) for n in range(count)]


def _applications_per_event(recorded: list[Event]) -> Counter[str]:
    applied = Counter(Event.objects.filter(type__endswith=APPLIED).values_list("subject", flat=True))
    return Counter({f"event/{event.id}": applied[f"event/{event.id}"] for event in recorded})


def test_every_worker_task_entry_is_one_celery_task_with_a_beat_interval(settings: Any) -> None:
    names = {name for name in app.tasks if name.startswith(TASK_PREFIX)}
    assert len(names) == len(settings.WORKER_TASKS) == len(TASKS)
    assert set(app.conf.beat_schedule) == set(TASKS)
    assert app.conf.beat_schedule["relay"]["schedule"] == 1.0
    assert app.conf.beat_schedule["notifications"]["schedule"] == 1.0
    assert set(settings.WORKER_TASK_INTERVALS) == set(settings.WORKER_TASKS)


def test_a_name_outside_worker_tasks_is_refused_and_nothing_is_imported() -> None:
    with pytest.raises(UnknownWorkerTask):
        drain("os.system")
    with pytest.raises(UnknownWorkerTask):
        drain("civicloop.relay.worker.run_once")  # a dotted path is not a name either
    assert f"{TASK_PREFIX}os.system" not in app.tasks


def test_the_messages_are_json_and_acknowledged_late() -> None:
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


def test_the_relay_task_drains_a_backlog_of_many_batches_in_one_run(settings: Any, recording_consumer: None) -> None:
    # given
    settings.RELAY_BATCH_SIZE = 2
    recorded = _record(7)
    # when
    TASKS["relay"].apply()
    # then
    assert set(_applications_per_event(recorded).values()) == {1}
    assert ConsumerCursor.objects.get(name="recorder").position == Event.objects.count()


def test_the_budget_ends_a_run_that_still_finds_work(settings: Any, recording_consumer: None) -> None:
    settings.RELAY_BATCH_SIZE = 2
    recorded = _record(7)

    drain("relay", budget_seconds=0)

    assert sum(_applications_per_event(recorded).values()) == 2


def test_a_task_killed_mid_batch_leaves_the_checkpoint_and_the_next_run_applies_each_event_once(
    settings: Any, recording_consumer: None
) -> None:
    # given: the worker dies after applying three of the five events of its batch
    settings.RELAY_BATCH_SIZE = 5
    recorded = _record(8)
    worker_consumers.KILL_AFTER["n"] = 3
    # when
    with pytest.raises(WorkerKilled):
        TASKS["relay"].apply()
    # then: its writes went with it, the checkpoint did not move
    assert sum(_applications_per_event(recorded).values()) == 0
    assert ConsumerCursor.objects.get(name="recorder").position == 0
    # and the next tick re-drives everything from the outbox, each event applied once
    TASKS["relay"].apply()
    assert set(_applications_per_event(recorded).values()) == {1}


def test_a_consumer_that_fails_mid_batch_is_retried_by_a_later_run_and_applies_each_event_once(
    settings: Any, recording_consumer: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: an ordinary exception this time, which the relay records as a failure with a backoff
    settings.RELAY_BATCH_SIZE = 3
    settings.RELAY_BACKOFF_BASE_SECONDS = 60.0
    recorded = _record(6)
    original = worker_consumers.record_each
    calls = {"n": 0}

    def fail_once(batch: Any) -> None:
        calls["n"] += 1
        original(batch)
        if calls["n"] == 2:
            raise RuntimeError("database consumer failed after writing")

    monkeypatch.setattr(worker_consumers, "record_each", fail_once)
    # when
    TASKS["relay"].apply()
    cursor = ConsumerCursor.objects.get(name="recorder")
    assert (cursor.failures, cursor.position) == (1, 3)
    TASKS["relay"].apply()  # within the backoff: nothing for it
    assert ConsumerCursor.objects.get(name="recorder").position == 3
    ConsumerCursor.objects.filter(name="recorder").update(retry_at=timezone.now() - timedelta(seconds=1))
    TASKS["relay"].apply()
    # then
    assert set(_applications_per_event(recorded).values()) == {1}


def _queue_notices(resident: User, count: int) -> list[Message]:
    with transaction.atomic():
        queued = [
            notify(resident, "application.received", NOTICE_CONTEXT, subject=f"application/{n}", dedupe_key=f"k{n}")
            for n in range(count)
        ]
    return [message for batch in queued for message in batch if message.channel == "email"]


def test_the_notifications_task_sends_every_due_notice_once(settings: Any, resident: User) -> None:
    settings.NOTIFICATIONS_BATCH_SIZE = 2
    queued = _queue_notices(resident, 5)

    TASKS["notifications"].apply()
    TASKS["notifications"].apply()

    assert len(mail.outbox) == len(queued) == 5
    rows = Message.objects.filter(pk__in=[m.pk for m in queued])
    assert set(rows.values_list("status", "attempts")) == {(Message.Status.SENT, 1)}


class DiesOnSecondSend:
    """An e-mail gateway whose worker is killed as it starts the second send."""

    attempts = 0
    sent: list[str] = []  # shared: the worker makes a new adapter per send

    def send(self, message: Message) -> str:
        DiesOnSecondSend.attempts += 1
        if DiesOnSecondSend.attempts == 2:
            raise WorkerKilled("killed mid-send")
        DiesOnSecondSend.sent.append(str(message.public_id))
        return f"ref-{message.public_id}"


def test_a_task_killed_after_claiming_notices_leaves_them_leased_until_the_next_run_after_the_lease(
    settings: Any, resident: User
) -> None:
    # given: the worker claims three notices, sends one and dies on the second
    settings.NOTIFICATIONS_BATCH_SIZE = 3
    settings.NOTIFICATIONS_ADAPTERS = {**settings.NOTIFICATIONS_ADAPTERS, "email": f"{__name__}.DiesOnSecondSend"}
    DiesOnSecondSend.attempts, DiesOnSecondSend.sent = 0, []
    queued = _queue_notices(resident, 3)
    with pytest.raises(WorkerKilled):
        TASKS["notifications"].apply()
    # when: the next tick comes while the lease runs, then after it
    TASKS["notifications"].apply()
    sent_during_lease = len(DiesOnSecondSend.sent)
    Message.objects.filter(status=Message.Status.SENDING).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    TASKS["notifications"].apply()
    # then: nothing was taken from the dead worker early; afterwards every notice went out once
    assert sent_during_lease == 1
    statuses = set(Message.objects.filter(pk__in=[m.pk for m in queued]).values_list("status", flat=True))
    assert statuses == {Message.Status.SENT}
    assert Counter(DiesOnSecondSend.sent) == Counter(str(m.public_id) for m in queued)


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/2", "amqp://guest:guest@127.0.0.1:5672//", ""])
def test_a_redis_or_rabbitmq_broker_is_accepted(url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    assert _read_settings(monkeypatch, tmp_path, CIVICLOOP_CELERY_BROKER_URL=url)["CELERY_BROKER_URL"] == url


def test_another_broker_or_a_visibility_timeout_shorter_than_a_task_fails_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    with pytest.raises(ImproperlyConfigured, match="CIVICLOOP_CELERY_BROKER_URL"):
        _read_settings(monkeypatch, tmp_path, CIVICLOOP_CELERY_BROKER_URL="sqs://key:secret@")
    with pytest.raises(ImproperlyConfigured, match="VISIBILITY_TIMEOUT"):
        _read_settings(
            monkeypatch, tmp_path, CIVICLOOP_CELERY_BROKER_URL="", CIVICLOOP_CELERY_VISIBILITY_TIMEOUT_SECONDS="120"
        )


def _read_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, **env: str) -> dict[str, Any]:
    monkeypatch.setenv("CIVICLOOP_VAR_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(settings.BASE_DIR / "config" / "settings.py"), run_name="settings_under_test")
