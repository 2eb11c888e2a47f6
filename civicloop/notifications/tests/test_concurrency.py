# SPDX-License-Identifier: MPL-2.0
"""Two workers at once never send the same message twice (PostgreSQL: FOR UPDATE SKIP LOCKED)."""

import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction
from pytest_django.fixtures import Settings

from civicloop.accounts.models import User
from civicloop.notifications import worker
from civicloop.notifications.actions import notify
from civicloop.notifications.channels import fakes
from civicloop.notifications.models import ChannelPreference, Message

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

MESSAGES = 40
CONTEXT = {"procedure": {"ja": "粗大ごみ収集申込", "en": "Bulky waste"}, "receipt_number": "2026-AAAA-BBBB"}


class SlowRecordingAdapter:
    """Records every send, and pauses a moment in it so that the two workers overlap."""

    sends: Counter[str] = Counter()
    lock = threading.Lock()

    def send(self, message: Message) -> str:
        with self.lock:
            self.sends[str(message.public_id)] += 1
        time.sleep(0.005)
        return ""


def _work(barrier: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        barrier.wait()
        while worker.run_once():
            pass
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_queue_and_send_each_message_once(make_resident: object, settings: Settings) -> None:
    # given 40 queued SMS messages and small batches, so the two workers interleave
    settings.NOTIFICATIONS_BATCH_SIZE = 3
    settings.NOTIFICATIONS_ADAPTERS = {**settings.NOTIFICATIONS_ADAPTERS, "sms": f"{__name__}.SlowRecordingAdapter"}
    SlowRecordingAdapter.sends.clear()
    fakes.reset()
    user: User = make_resident()  # type: ignore[operator]
    ChannelPreference.objects.create(user=user, email_enabled=False, sms_enabled=True, phone="09012345678")
    for n in range(MESSAGES):
        with transaction.atomic():
            notify(user, "application.received", CONTEXT, subject=f"application/{n}", dedupe_key=f"k{n}")
    # when two workers run at the same time until the queue is empty
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_work, args=(barrier, errors)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every message went out exactly once and is marked sent
    assert not errors
    assert len(SlowRecordingAdapter.sends) == MESSAGES
    assert set(SlowRecordingAdapter.sends.values()) == {1}
    assert Message.objects.filter(channel="sms", status=Message.Status.SENT, attempts=1).count() == MESSAGES
