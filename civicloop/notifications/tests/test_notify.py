# SPDX-License-Identifier: MPL-2.0
"""notify(): who gets which channel, de-duplication, and the outbox's transaction."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from civicloop.accounts.models import User
from civicloop.core.models import Classification
from civicloop.notifications.actions import InvalidRecipient, Notice, notify, notify_all
from civicloop.notifications.models import ChannelPreference, Message
from civicloop.notifications.rendering import UnknownTemplate

CONTEXT = {
    "procedure": {"ja": "粗大ごみ収集申込", "en": "Bulky waste collection"},
    "receipt_number": "2026-7KQ4-M9XD",
    "application_url": "http://127.0.0.1:8000/applications/x/",
}


def _notify(recipient: User | str, key: str = "k1", **kwargs: object) -> list[Message]:
    with transaction.atomic():
        return notify(
            recipient,
            "application.received",
            CONTEXT,
            subject="application/x",
            dedupe_key=key,
            **kwargs,  # type: ignore[arg-type]
        )


def _channels(messages: list[Message]) -> set[str]:
    return {m.channel for m in messages}


def test_a_resident_without_preferences_gets_the_portal_and_email_at_their_address(resident: User) -> None:
    messages = _notify(resident)

    assert _channels(messages) == {"portal", "email"}
    email = next(m for m in messages if m.channel == "email")
    assert email.address == resident.email and email.status == Message.Status.QUEUED
    portal = next(m for m in messages if m.channel == "portal")
    assert portal.status == Message.Status.SENT and portal.address == ""


def test_a_resident_without_an_email_address_still_gets_the_notice_in_the_portal(
    make_resident: Callable[..., User],
) -> None:
    resident = make_resident()
    resident.email = ""
    resident.save(update_fields=["email"])

    assert _channels(_notify(resident)) == {"portal"}


def test_preferences_route_to_sms_and_line_and_can_turn_email_off(resident: User) -> None:
    ChannelPreference.objects.create(
        user=resident,
        email_enabled=False,
        sms_enabled=True,
        phone="090-1234-5678",
        line_enabled=True,
        line_user_id="U" + "a" * 32,
    )

    messages = _notify(resident)

    assert _channels(messages) == {"portal", "sms", "line"}
    assert {m.address for m in messages if m.channel != "portal"} == {"090-1234-5678", "U" + "a" * 32}


def test_a_channel_switched_on_without_its_address_is_skipped(resident: User) -> None:
    ChannelPreference.objects.create(user=resident, sms_enabled=True, phone="")

    assert _channels(_notify(resident)) == {"portal", "email"}


def test_the_notice_follows_the_language_the_resident_chose(resident: User) -> None:
    ChannelPreference.objects.create(user=resident, language="en")

    messages = _notify(resident)

    assert {m.language for m in messages} == {"en"}
    assert all(m.title.startswith("[Shibuya City]") for m in messages)


def test_an_email_carries_a_footer_with_where_to_change_channels(resident: User) -> None:
    email = next(m for m in _notify(resident) if m.channel == "email")

    assert "送信専用" in email.body and "/notifications/preferences/" in email.body


def test_the_same_dedupe_key_queues_nothing_new(resident: User) -> None:
    first = _notify(resident, key="event/1")
    again = _notify(resident, key="event/1")

    assert {m.pk for m in again} == {m.pk for m in first}
    assert Message.objects.count() == 2


def test_one_key_may_reach_several_recipients_once_each(resident: User, other_resident: User) -> None:
    _notify(resident, key="reminder/1")
    _notify(other_resident, key="reminder/1")

    assert Message.objects.filter(channel="portal").count() == 2


def test_a_guest_address_gets_email_only_in_the_language_of_their_pages(db: None) -> None:
    with translation.override("en"):
        messages = _notify("guest@example.jp")

    assert [(m.channel, m.address, m.language) for m in messages] == [("email", "guest@example.jp", "en")]
    assert messages[0].recipient is None
    assert "/notifications/" not in messages[0].body  # a guest has no inbox to be sent to


def test_a_secret_notice_keeps_its_text_in_the_portal_and_sends_only_a_pointer(resident: User) -> None:
    ChannelPreference.objects.create(user=resident, sms_enabled=True, phone="09012345678")

    messages = {m.channel: m for m in _notify(resident, classification=Classification.SECRET)}

    assert "2026-7KQ4-M9XD" in messages["portal"].body
    for channel in ("email", "sms"):
        assert "2026-7KQ4-M9XD" not in messages[channel].title + messages[channel].body
        assert "粗大ごみ" not in messages[channel].title + messages[channel].body
    assert "/notifications/" in messages["sms"].body


def test_a_rolled_back_change_leaves_no_notice(resident: User) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(resident, "application.received", CONTEXT, subject="application/x", dedupe_key="k")
        raise RuntimeError("the change failed")

    assert not Message.objects.exists()


def test_bad_recipients_and_template_codes_are_refused(resident: User) -> None:
    with pytest.raises(InvalidRecipient):
        _notify("not-an-address")
    with pytest.raises(UnknownTemplate), transaction.atomic():
        notify(resident, "nope", CONTEXT, subject="application/x", dedupe_key="k")
    assert not Message.objects.exists()


def test_a_reminder_reaches_the_assignee_and_the_section_chief_once_each(clerk: User, chief: User) -> None:
    context = {
        "procedure": {"ja": "粗大ごみ収集申込", "en": "Bulky waste collection"},
        "receipt_number": "2026-7KQ4-M9XD",
        "due_date": datetime.date(2026, 12, 10),
        "state": "due_soon",
        "case_url": "http://127.0.0.1:8000/staff/cases/x/",
    }
    for _redelivery in range(2):
        for person in (clerk, chief):
            with transaction.atomic():
                notify(
                    person, "case.reminder", context, subject="case/x", dedupe_key="reminder/x/2026-12-10/due_soon",
                    department="seiso",
                )  # fmt: skip

    portal = Message.objects.filter(channel="portal", template_code="case.reminder")
    assert sorted(str(m.recipient and m.recipient.username) for m in portal) == ["chief", "clerk"]
    assert all(m.title.startswith("【渋谷区】期限間近") for m in portal)
    assert [m.address for m in Message.objects.filter(channel="email")] == [
        "chief@city.example"
    ]  # the clerk has no address


def test_notify_all_queues_as_notify_does_with_three_statements_for_the_batch(
    make_resident: Callable[..., User], django_assert_num_queries: Callable[..., Any]
) -> None:
    # given three residents, one who chose SMS in English, and a notice to the first already queued
    first, second, third = make_resident(), make_resident(), make_resident()
    ChannelPreference.objects.create(user=second, language="en", sms_enabled=True, phone="09012345678")
    _notify(first, key="k-first")
    notices = [
        Notice(person, "application.received", CONTEXT, subject="application/x", dedupe_key=f"k-{name}")
        for person, name in ((first, "first"), (second, "second"), (third, "third"))
    ]
    notices.append(
        Notice("guest@example.jp", "application.received", CONTEXT, "application/y", "k-guest", language="en")
    )
    # when they are queued together
    with transaction.atomic(), django_assert_num_queries(3):  # preferences, keys already queued, one INSERT
        written = notify_all(notices)
    # then each recipient has what notify would have queued, and the first nothing new
    assert written == 2 + 3 + 1  # portal+email, portal+email+sms, email
    assert Message.objects.filter(dedupe_key="k-first").count() == 2
    assert _channels(list(Message.objects.filter(recipient=second))) == {"portal", "email", "sms"}
    assert set(Message.objects.filter(recipient=second).values_list("language", flat=True)) == {"en"}
    guest = Message.objects.get(dedupe_key="k-guest")
    assert guest.channel == "email" and guest.language == "en" and guest.address == "guest@example.jp"
    # and the same batch again queues nothing
    with transaction.atomic():
        assert notify_all(notices) == 0


def test_each_notice_links_to_itself_its_inbox_and_its_preferences(make_resident: Callable[..., User]) -> None:
    # given two residents who both take SMS (its text carries the notice's link)
    first, second = make_resident(), make_resident()
    for person in (first, second):
        ChannelPreference.objects.create(user=person, sms_enabled=True, phone="09012345678")
    notices = [
        Notice(person, "application.received", CONTEXT, subject="application/x", dedupe_key="k-links")
        for person in (first, second)
    ]
    # when they are queued together
    with transaction.atomic():
        notify_all(notices)
    # then each text points at its own notice in the portal, and each e-mail at the inbox and preferences
    for person in (first, second):
        portal = Message.objects.get(recipient=person, channel="portal")
        sms = Message.objects.get(recipient=person, channel="sms")
        assert f"/notifications/{portal.public_id}/" in sms.body
        email = Message.objects.get(recipient=person, channel="email")
        assert "/notifications/preferences/" in email.body
