# SPDX-License-Identifier: MPL-2.0
"""The worker delivers queued notices, retries with backoff, and gives up into `dead`."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from pytest_django.fixtures import Settings

from civicloop.accounts.models import User
from civicloop.classification.policy import NotPermitted
from civicloop.core.models import Event
from civicloop.notifications import worker
from civicloop.notifications.actions import notify, requeue_messages
from civicloop.notifications.channels import DeliveryError, PermanentFailure, fakes
from civicloop.notifications.models import ChannelPreference, Message

from .conftest import deliver_all

CONTEXT = {
    "procedure": {"ja": "粗大ごみ収集申込", "en": "Bulky waste collection"},
    "receipt_number": "2026-7KQ4-M9XD",
    "application_url": "http://127.0.0.1:8000/applications/x/",
}


class ExplodingAdapter:
    """A channel whose gateway is down."""

    def send(self, message: Message) -> str:
        raise DeliveryError("gateway unreachable")


class RefusingAdapter:
    def send(self, message: Message) -> str:
        raise PermanentFailure("no such subscriber")


@pytest.fixture
def queued_email(resident: User) -> Message:
    with transaction.atomic():
        messages = notify(resident, "application.received", CONTEXT, subject="application/x", dedupe_key="k")
    return next(m for m in messages if m.channel == "email")


def _use(settings: Settings, adapter: type | None) -> None:
    """Swap the email adapter (None: back to Django's email backend)."""
    path = f"{__name__}.{adapter.__name__}" if adapter else "civicloop.notifications.channels.mail.EmailAdapter"
    settings.NOTIFICATIONS_ADAPTERS = {**settings.NOTIFICATIONS_ADAPTERS, "email": path}


def _make_due(message: Message) -> None:
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_the_worker_sends_the_email_and_marks_it_sent(queued_email: Message, resident: User) -> None:
    handled = deliver_all()

    queued_email.refresh_from_db()
    assert handled == 1
    assert queued_email.status == Message.Status.SENT and queued_email.sent_at is not None
    assert queued_email.attempts == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [resident.email]
    assert mail.outbox[0].subject == queued_email.title
    assert "2026-7KQ4-M9XD" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-generated"


def test_a_sent_message_is_not_sent_again(queued_email: Message) -> None:
    deliver_all()
    deliver_all()

    assert len(mail.outbox) == 1


def test_the_fakes_record_what_sms_and_line_would_send(resident: User) -> None:
    ChannelPreference.objects.create(
        user=resident, email_enabled=False, sms_enabled=True, phone="090-1234-5678", line_enabled=True,
        line_user_id="U" + "0" * 32,
    )  # fmt: skip
    with transaction.atomic():
        notify(resident, "application.received", CONTEXT, subject="application/x", dedupe_key="k")

    deliver_all()

    sent = {send.channel: send for send in fakes.OUTBOX}
    assert set(sent) == {"sms", "line"}
    assert sent["sms"].to == "090-1234-5678" and "2026-7KQ4-M9XD" in sent["sms"].text
    assert sent["line"].to == "U" + "0" * 32
    assert Message.objects.filter(channel__in=["sms", "line"], status=Message.Status.SENT).count() == 2
    assert not mail.outbox


def test_a_failing_channel_is_retried_later_with_backoff(queued_email: Message, settings: Settings) -> None:
    _use(settings, ExplodingAdapter)
    settings.NOTIFICATIONS_BACKOFF_SECONDS = 60
    before = timezone.now()

    deliver_all()

    queued_email.refresh_from_db()
    assert queued_email.status == Message.Status.FAILED
    assert queued_email.attempts == 1
    assert "gateway unreachable" in queued_email.last_error
    # the first retry waits between half and all of the base delay (jitter)
    assert queued_email.next_attempt_at is not None
    assert before + timedelta(seconds=30) <= queued_email.next_attempt_at <= timezone.now() + timedelta(seconds=60)
    assert worker.run_once() == 0  # not due yet


def test_the_backoff_doubles_with_each_failure(queued_email: Message, settings: Settings) -> None:
    _use(settings, ExplodingAdapter)
    settings.NOTIFICATIONS_BACKOFF_SECONDS = 60
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 10
    deliver_all()
    _make_due(queued_email)
    deliver_all()
    _make_due(queued_email)
    before = timezone.now()

    deliver_all()  # the third failure: the wait is drawn from [120 s, 240 s]

    queued_email.refresh_from_db()
    assert queued_email.attempts == 3
    assert queued_email.next_attempt_at is not None
    assert before + timedelta(seconds=120) <= queued_email.next_attempt_at <= timezone.now() + timedelta(seconds=240)


def test_after_the_last_attempt_the_message_is_dead_and_left_alone(queued_email: Message, settings: Settings) -> None:
    _use(settings, ExplodingAdapter)
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    for _attempt in range(3):
        deliver_all()
        _make_due(queued_email)

    queued_email.refresh_from_db()
    assert queued_email.status == Message.Status.DEAD and queued_email.attempts == 3
    assert worker.run_once() == 0
    types = list(Event.objects.filter(subject=f"notification/{queued_email.public_id}").values_list("type", flat=True))
    assert types == ["jp.lg.civicloop.notification.failed"] * 2 + ["jp.lg.civicloop.notification.dead"]


def test_a_permanent_refusal_is_dead_at_once(queued_email: Message, settings: Settings) -> None:
    _use(settings, RefusingAdapter)

    deliver_all()

    queued_email.refresh_from_db()
    assert queued_email.status == Message.Status.DEAD and queued_email.attempts == 1
    assert "no such subscriber" in queued_email.last_error


def test_a_fake_gateway_outage_recovers_on_the_next_attempt(resident: User) -> None:
    ChannelPreference.objects.create(user=resident, email_enabled=False, sms_enabled=True, phone="09012345678")
    with transaction.atomic():
        notify(resident, "application.received", CONTEXT, subject="application/x", dedupe_key="k")
    fakes.FakeSmsAdapter.fail_next()

    deliver_all()
    sms = Message.objects.get(channel="sms")
    assert sms.status == Message.Status.FAILED and not fakes.OUTBOX
    _make_due(sms)
    deliver_all()

    sms.refresh_from_db()
    assert sms.status == Message.Status.SENT and sms.attempts == 2 and len(fakes.OUTBOX) == 1


def test_delivery_events_carry_no_address_or_text(queued_email: Message, settings: Settings) -> None:
    _use(settings, ExplodingAdapter)
    deliver_all()
    _use(settings, None)
    _make_due(queued_email)
    deliver_all()

    events = Event.objects.filter(subject=f"notification/{queued_email.public_id}").order_by("time")
    assert [e.type.rsplit(".", 1)[1] for e in events] == ["failed", "sent"]
    for event in events:
        assert event.data["template"] == "application.received" and event.data["channel"] == "email"
        dumped = str(event.data)
        assert queued_email.address not in dumped and "2026-7KQ4" not in dumped and "unreachable" not in dumped


def test_a_worker_that_died_mid_send_leaves_the_message_due_again_after_its_lease(queued_email: Message) -> None:
    # given a claim whose worker never reported back (the row is `sending` with an expired lease)
    Message.objects.filter(pk=queued_email.pk).update(
        status=Message.Status.SENDING, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    # when another worker runs
    deliver_all()
    # then the message is sent, on its second attempt
    queued_email.refresh_from_db()
    assert queued_email.status == Message.Status.SENT and queued_email.attempts == 2


def test_a_notice_sent_again_keeps_its_message_id(queued_email: Message) -> None:
    # given a notice the mail server accepted, whose worker died before recording it
    worker.run_once()
    first = mail.outbox[-1].message()["Message-ID"]
    Message.objects.filter(pk=queued_email.pk).update(
        status=Message.Status.SENDING, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    # when another worker sends it again after the lease
    worker.run_once()
    # then both copies carry one Message-ID, which the recipient's side collapses into one message
    assert len(mail.outbox) == 2
    assert mail.outbox[-1].message()["Message-ID"] == first
    assert str(queued_email.public_id) in first
    queued_email.refresh_from_db()
    assert queued_email.external_ref == first


def test_two_notices_never_share_a_message_id(queued_email: Message, resident: User) -> None:
    notify(resident, "application.received", CONTEXT, subject="application/other", dedupe_key="other")
    deliver_all()
    ids = {m.message()["Message-ID"] for m in mail.outbox}
    assert len(ids) == len(mail.outbox) >= 2


def test_only_a_system_administrator_sends_a_notice_of_no_department_again(
    queued_email: Message, clerk: User, settings: Settings
) -> None:
    # given a dead notice of no department and an auditor, who may read its status but not act
    _use(settings, RefusingAdapter)
    deliver_all()
    auditor = User.objects.create(username="auditor", kind=User.Kind.STAFF, roles=["auditor"])
    # when the auditor asks to send it again, then nothing is queued
    with pytest.raises(NotPermitted):
        requeue_messages(messages=Message.objects.filter(pk=queued_email.pk), by=auditor)
    queued_email.refresh_from_db()
    assert queued_email.status == Message.Status.DEAD
    assert not Event.objects.filter(type="jp.lg.civicloop.notification.requeued").exists()


def test_staff_can_send_dead_messages_again(queued_email: Message, clerk: User, settings: Settings) -> None:
    _use(settings, RefusingAdapter)
    deliver_all()
    _use(settings, None)

    operator = User.objects.create(username="operator", kind=User.Kind.STAFF, roles=["administrator"])
    assert requeue_messages(messages=Message.objects.filter(pk=queued_email.pk), by=operator) == 1
    deliver_all()

    queued_email.refresh_from_db()
    assert queued_email.status == Message.Status.SENT and len(mail.outbox) == 1
    assert Event.objects.filter(type="jp.lg.civicloop.notification.requeued").count() == 1
