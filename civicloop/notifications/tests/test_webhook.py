# SPDX-License-Identifier: MPL-2.0
"""The webhook channel posts signed JSON to a real local HTTP server."""

import json

import pytest
from django.db import transaction

from civicloop.accounts.models import User
from civicloop.core import webhooks
from civicloop.core.models import Classification
from civicloop.notifications.actions import notify
from civicloop.notifications.models import ChannelPreference, Message

from .conftest import Receiver, deliver_all

SECRET = "whsec-test-0123456789"
CONTEXT = {
    "procedure": {"ja": "粗大ごみ収集申込", "en": "Bulky waste collection"},
    "receipt_number": "2026-7KQ4-M9XD",
    "application_url": "http://127.0.0.1:8000/applications/x/",
}


@pytest.fixture
def subscribed(resident: User, receiver: Receiver) -> User:
    ChannelPreference.objects.create(
        user=resident,
        email_enabled=False,
        webhook_url=receiver.url,
        webhook_secret=SECRET,
    )
    return resident


def _notify(user: User, classification: str = Classification.OFFICIAL) -> Message:
    with transaction.atomic():
        messages = notify(
            user,
            "application.received",
            CONTEXT,
            subject="application/x",
            dedupe_key="k",
            classification=classification,
        )
    return next(m for m in messages if m.channel == "webhook")


def test_the_webhook_body_is_signed_so_the_receiver_can_verify_it(subscribed: User, receiver: Receiver) -> None:
    message = _notify(subscribed)

    deliver_all()

    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    [(headers, body)] = receiver.received
    assert webhooks.verify(SECRET, body, headers[webhooks.SIGNATURE_HEADER])
    assert not webhooks.verify("another-secret", body, headers[webhooks.SIGNATURE_HEADER])
    assert not webhooks.verify(SECRET, body + b" ", headers[webhooks.SIGNATURE_HEADER])
    payload = json.loads(body)
    assert payload["id"] == str(Message.objects.get(channel="portal").public_id)
    assert payload["template"] == "application.received" and "2026-7KQ4-M9XD" in payload["text"]


def test_a_secret_notice_reaches_a_webhook_only_as_a_pointer(subscribed: User, receiver: Receiver) -> None:
    _notify(subscribed, Classification.SECRET)

    deliver_all()

    [(_headers, body)] = receiver.received
    payload = json.loads(body)
    assert payload["template"] is None and payload["subject"] is None
    assert "2026-7KQ4-M9XD" not in body.decode() and "粗大ごみ" not in body.decode()
    assert payload["url"].endswith(f"/notifications/{payload['id']}/")


def test_a_server_error_is_retried_and_gone_is_final(subscribed: User, receiver: Receiver) -> None:
    receiver.status = 503
    message = _notify(subscribed)

    deliver_all()
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.last_error.startswith("DeliveryError: 503")

    receiver.status = 410
    Message.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
    deliver_all()
    message.refresh_from_db()
    assert message.status == Message.Status.DEAD


def test_a_removed_webhook_secret_stops_delivery(subscribed: User, receiver: Receiver) -> None:
    message = _notify(subscribed)
    ChannelPreference.objects.filter(user=subscribed).update(webhook_secret="")

    deliver_all()

    message.refresh_from_db()
    assert message.status == Message.Status.DEAD and not receiver.received
