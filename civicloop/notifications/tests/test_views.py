# SPDX-License-Identifier: MPL-2.0
"""The resident's notices and preferences pages."""

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.core.models import AuditEntry, Classification, Event
from civicloop.notifications.actions import notify
from civicloop.notifications.models import ChannelPreference, Message

CONTEXT = {
    "procedure": {"ja": "粗大ごみ収集申込", "en": "Bulky waste collection"},
    "receipt_number": "2026-7KQ4-M9XD",
    "application_url": "http://127.0.0.1:8000/applications/x/",
}


def _portal_notice(user: User, key: str = "k", **kwargs: object) -> Message:
    with transaction.atomic():
        messages = notify(
            user,
            "application.received",
            CONTEXT,
            subject="application/x",
            dedupe_key=key,
            **kwargs,  # type: ignore[arg-type]
        )
    return next(m for m in messages if m.channel == "portal")


def test_the_inbox_lists_the_residents_own_notices_only(
    resident: User, other_resident: User, resident_client: Client
) -> None:
    mine = _portal_notice(resident)
    _portal_notice(other_resident, key="other")

    page = resident_client.get(reverse("notifications:notice-list")).content.decode()

    assert mine.title in page
    assert page.count("受付のお知らせ") == 1


def test_opening_a_notice_shows_it_and_marks_it_read(resident: User, resident_client: Client) -> None:
    notice = _portal_notice(resident)

    response = resident_client.get(reverse("notifications:notice-detail", args=[notice.public_id]))

    assert response.status_code == 200
    assert "2026-7KQ4-M9XD" in response.content.decode()
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_a_resident_cannot_open_another_residents_notice(other_resident: User, resident_client: Client) -> None:
    theirs = _portal_notice(other_resident)

    response = resident_client.get(reverse("notifications:notice-detail", args=[theirs.public_id]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_email_row_is_not_an_inbox_notice(resident: User, resident_client: Client) -> None:
    _portal_notice(resident)
    email = Message.objects.get(channel="email")

    assert resident_client.get(reverse("notifications:notice-detail", args=[email.public_id])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, resident: User) -> None:
    notice = _portal_notice(resident)

    for url in (
        reverse("notifications:notice-list"),
        reverse("notifications:preference-edit"),
        reverse("notifications:notice-detail", args=[notice.public_id]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert f"next={url}" in response["Location"].replace("%2F", "/")


def test_staff_read_their_own_notices_up_to_their_clearance(clerk: User) -> None:
    clerk.email = "clerk@city.example"
    clerk.save(update_fields=["email"])
    official = _portal_notice(clerk, key="a", department="seiso")
    secret = _portal_notice(clerk, key="b", department="seiso", classification=Classification.SECRET)
    client = sign_in_with_mfa(Client(), clerk)  # staff pages need the second factor

    assert client.get(reverse("notifications:notice-detail", args=[official.public_id])).status_code == 200
    assert client.get(reverse("notifications:notice-detail", args=[secret.public_id])).status_code == 404
    inbox = client.get(reverse("notifications:notice-list")).content.decode()
    assert str(official.public_id) in inbox and str(secret.public_id) not in inbox


def test_the_preferences_page_shows_the_defaults(resident: User, resident_client: Client) -> None:
    page = resident_client.get(reverse("notifications:preference-edit")).content.decode()

    assert resident.email in page
    assert 'name="email_enabled" checked' in page


def test_a_resident_turns_on_sms_and_off_email(resident: User, resident_client: Client) -> None:
    response = resident_client.post(
        reverse("notifications:preference-edit"),
        {"language": "en", "sms_enabled": "on", "phone": "090-1234-5678", "line_user_id": ""},
    )

    assert response.status_code == 302
    pref = ChannelPreference.objects.get(user=resident)
    assert (pref.language, pref.email_enabled, pref.sms_enabled, pref.phone) == ("en", False, True, "090-1234-5678")
    event = Event.objects.get(type="jp.lg.civicloop.notification.preferences_changed")
    assert event.data == {"channels": ["portal", "sms"], "language": "en"}
    assert "090" not in str(event.data)
    assert AuditEntry.objects.filter(action="notification.preferences_change").exists()


def test_a_bad_phone_number_is_explained_and_nothing_saved(resident: User, resident_client: Client) -> None:
    response = resident_client.post(
        reverse("notifications:preference-edit"), {"language": "ja", "sms_enabled": "on", "phone": "12345"}
    )

    assert response.status_code == 200
    assert "090-1234-5678" in response.content.decode()  # the example in the error message
    assert not ChannelPreference.objects.exists()


def test_line_needs_its_user_id(resident: User, resident_client: Client) -> None:
    response = resident_client.post(reverse("notifications:preference-edit"), {"language": "ja", "line_enabled": "on"})

    assert response.status_code == 200
    assert not ChannelPreference.objects.exists()


def test_the_pages_work_in_english(resident: User, resident_client: Client) -> None:
    _portal_notice(resident)
    resident_client.post(reverse("set_language"), {"language": "en", "next": "/"})

    inbox = resident_client.get(reverse("notifications:notice-list")).content.decode()
    prefs = resident_client.get(reverse("notifications:preference-edit")).content.decode()

    assert "Notices" in inbox
    assert "How you get notices" in prefs


def test_the_inbox_takes_the_same_number_of_queries_for_one_notice_or_many(
    resident: User, resident_client: Client
) -> None:
    _portal_notice(resident, key="first")
    with CaptureQueriesContext(connection) as one:
        resident_client.get(reverse("notifications:notice-list"))
    for n in range(8):
        _portal_notice(resident, key=f"more-{n}")
    with CaptureQueriesContext(connection) as nine:
        page = resident_client.get(reverse("notifications:notice-list")).content.decode()

    assert page.count('class="card"') == 9
    assert len(nine.captured_queries) == len(one.captured_queries)
