# SPDX-License-Identifier: MPL-2.0
"""The HTTP skeletons for SMS and LINE, against a real local HTTP server standing in for the gateway."""

import json

import pytest
from django.db import transaction
from pytest_django.fixtures import Settings

from civicloop.accounts.models import User
from civicloop.notifications.actions import notify
from civicloop.notifications.models import ChannelPreference, Message

from .conftest import Receiver, deliver_all

CONTEXT = {"procedure": {"ja": "粗大ごみ収集申込", "en": "Bulky waste"}, "receipt_number": "2026-7KQ4-M9XD"}
LINE_ID = "U" + "1" * 32


@pytest.fixture
def gateways(settings: Settings, receiver: Receiver, resident: User) -> Receiver:
    channels = "civicloop.notifications.channels"
    settings.NOTIFICATIONS_ADAPTERS = {
        **settings.NOTIFICATIONS_ADAPTERS,
        "sms": f"{channels}.sms.HttpSmsAdapter",
        "line": f"{channels}.line.HttpLineAdapter",
    }
    settings.NOTIFICATIONS_SMS_URL = receiver.url
    settings.NOTIFICATIONS_SMS_TOKEN = "sms-token"
    settings.NOTIFICATIONS_LINE_API_URL = receiver.url
    settings.NOTIFICATIONS_LINE_TOKEN = "line-token"
    return receiver


def _queue(resident: User, channel: str) -> Message:
    ChannelPreference.objects.create(
        user=resident,
        email_enabled=False,
        sms_enabled=channel == "sms",
        phone="090-1234-5678",
        line_enabled=channel == "line",
        line_user_id=LINE_ID,
    )
    with transaction.atomic():
        notify(resident, "application.received", CONTEXT, subject="application/x", dedupe_key="k")
    return Message.objects.get(channel=channel)


def test_the_sms_gateway_gets_the_number_in_international_form_and_the_token(
    gateways: Receiver, resident: User
) -> None:
    gateways.reply = b'{"id": "sms-42"}'
    message = _queue(resident, "sms")

    deliver_all()

    [(headers, body)] = gateways.received
    payload = json.loads(body)
    assert payload["to"] == "+819012345678" and "2026-7KQ4-M9XD" in payload["text"]
    assert payload["reference"] == str(message.public_id)
    assert headers["Authorization"] == "Bearer sms-token"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.external_ref == "sms-42"


def test_line_gets_a_push_with_a_retry_key(gateways: Receiver, resident: User) -> None:
    message = _queue(resident, "line")

    deliver_all()

    [(headers, body)] = gateways.received
    assert json.loads(body) == {"to": LINE_ID, "messages": [{"type": "text", "text": message.body}]}
    assert headers["X-Line-Retry-Key"] == str(message.public_id)
    assert headers["Authorization"] == "Bearer line-token"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_line_answering_409_to_a_retry_counts_as_sent(gateways: Receiver, resident: User) -> None:
    gateways.status = 409
    message = _queue(resident, "line")

    deliver_all()

    message.refresh_from_db()
    assert message.status == Message.Status.SENT


@pytest.mark.parametrize(("status", "outcome"), [(500, "failed"), (429, "failed"), (400, "dead")])
def test_gateway_answers_decide_between_retry_and_giving_up(
    gateways: Receiver, resident: User, status: int, outcome: str
) -> None:
    gateways.status = status
    message = _queue(resident, "sms")

    deliver_all()

    message.refresh_from_db()
    assert message.status == outcome and f"HTTP {status}" in message.last_error


def test_a_gateway_without_its_token_is_a_configuration_error_not_a_silent_send(
    gateways: Receiver, resident: User, settings: Settings
) -> None:
    settings.NOTIFICATIONS_SMS_TOKEN = ""
    message = _queue(resident, "sms")

    deliver_all()

    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and "ImproperlyConfigured" in message.last_error
    assert not gateways.received
