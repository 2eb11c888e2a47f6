# SPDX-License-Identifier: MPL-2.0
"""The chat pages, the poll endpoint and the case page's link, through the HTTP client."""

import json
from typing import Any

import pytest
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.cases.models import Case
from civicloop.collab import realtime
from civicloop.collab.models import Channel, Message
from civicloop.collab.tests.conftest import post, signed_in
from civicloop.core import broadcast

pytestmark = pytest.mark.django_db


def test_the_channel_list_shows_unread_counts_that_reading_clears(
    department_channel: Channel, seiso_clerk: User, seiso_colleague: User
) -> None:
    # given two messages from a colleague
    post(department_channel, seiso_colleague, "一件目")
    post(department_channel, seiso_colleague, "二件目")
    client = signed_in(seiso_clerk)
    # when the list is opened, then the channel page
    before = client.get(reverse("collab:channel-list")).content.decode()
    page = client.get(reverse("collab:channel-detail", args=[department_channel.public_id]))
    after = client.get(reverse("collab:channel-list")).content.decode()
    # then the count shows, and is gone once read
    assert "2 件の未読" in before or "2 unread" in before
    assert page.status_code == 200 and "二件目" in page.content.decode()
    assert "未読" not in after and "unread" not in after


def test_the_poll_endpoint_returns_what_changed_after_a_change_number(
    department_channel: Channel, seiso_clerk: User, seiso_colleague: User
) -> None:
    first = post(department_channel, seiso_colleague, "一件目")
    post(department_channel, seiso_colleague, "二件目")
    url = reverse("collab:message-list-json", args=[department_channel.public_id])

    data = signed_in(seiso_clerk).get(url, {"after": first.seq}).json()

    assert [m["body"] for m in data["messages"]] == ["二件目"] and data["seq"] == 2 and not data["more"]


def test_the_poll_endpoint_refuses_a_bad_cursor(department_channel: Channel, seiso_clerk: User) -> None:
    url = reverse("collab:message-list-json", args=[department_channel.public_id])
    assert signed_in(seiso_clerk).get(url, {"after": "x"}).status_code == 400


def test_posting_by_fetch_answers_the_message_as_json(department_channel: Channel, seiso_clerk: User) -> None:
    response = signed_in(seiso_clerk).post(
        reverse("collab:message-create", args=[department_channel.public_id]),
        {"body": "  ごみ集積所の件  "},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 201 and json.loads(response.content)["body"] == "ごみ集積所の件"


@pytest.mark.django_db(transaction=True)
def test_the_poster_is_answered_with_the_frame_every_socket_got(
    department_channel: Channel, seiso_clerk: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the channel layer's sends recorded, and each reading of payloads counted
    frames: list[dict[str, Any]] = []
    monkeypatch.setattr(
        broadcast,
        "group_send",
        lambda group, message: frames.append(json.loads(message["frame"])) if "frame" in message else None,
    )
    readings: list[int] = []
    read = realtime.payloads

    def counted(messages: Any) -> Any:
        readings.append(len(messages))
        return read(messages)

    monkeypatch.setattr(realtime, "payloads", counted)
    # when a message is posted by fetch (its transaction commits inside the request: no test wrapper)
    response = signed_in(seiso_clerk).post(
        reverse("collab:message-create", args=[department_channel.public_id]),
        {"body": "収集日の変更"},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    # then the answer is the payload the sockets got, built from the message in hand: nothing read back
    assert response.status_code == 201
    assert [frame["message"] for frame in frames] == [json.loads(response.content)]
    assert readings == []


def test_an_empty_post_is_refused_with_a_message(department_channel: Channel, seiso_clerk: User) -> None:
    response = signed_in(seiso_clerk).post(
        reverse("collab:message-create", args=[department_channel.public_id]), {"body": " "}, follow=True
    )
    assert response.status_code == 200 and not Message.objects.exists()


def test_a_thread_shows_its_replies_and_the_reply_form_posts_into_it(
    department_channel: Channel, seiso_clerk: User
) -> None:
    parent = post(department_channel, seiso_clerk, "親メッセージ")
    client = signed_in(seiso_clerk)
    url = reverse("collab:thread", args=[department_channel.public_id, parent.public_id])

    response = client.post(
        reverse("collab:message-create", args=[department_channel.public_id]),
        {"body": "スレッドの返信", "parent": str(parent.public_id)},
    )

    assert response.status_code == 302 and response["Location"] == url
    assert "スレッドの返信" in client.get(url).content.decode()
    channel_page = client.get(reverse("collab:channel-detail", args=[department_channel.public_id])).content.decode()
    assert "スレッドの返信" not in channel_page  # replies live in the thread


def test_edit_and_delete_through_the_pages(department_channel: Channel, seiso_clerk: User) -> None:
    message = post(department_channel, seiso_clerk, "修正前")
    client = signed_in(seiso_clerk)
    assert client.get(reverse("collab:message-edit", args=[message.public_id])).status_code == 200
    client.post(reverse("collab:message-edit", args=[message.public_id]), {"body": "修正後"})
    client.post(reverse("collab:message-delete", args=[message.public_id]))
    message.refresh_from_db()
    assert message.is_deleted and message.revisions.count() == 2


def test_someone_else_cannot_open_the_edit_page_of_a_message(
    department_channel: Channel, seiso_clerk: User, seiso_colleague: User
) -> None:
    message = post(department_channel, seiso_clerk)
    assert signed_in(seiso_colleague).get(reverse("collab:message-edit", args=[message.public_id])).status_code == 404


def test_search_finds_only_messages_of_channels_the_reader_may_read(
    department_channel: Channel, case_channel: Channel, seiso_clerk: User, outsider: User
) -> None:
    post(department_channel, seiso_clerk, "粗大ごみの臨時収集")
    post(case_channel, seiso_clerk, "粗大ごみの申請者に連絡済み")
    url = reverse("collab:message-search")

    mine = signed_in(seiso_clerk).get(url, {"q": "粗大ごみ"}).content.decode()
    theirs = signed_in(outsider).get(url, {"q": "粗大ごみ"}).content.decode()

    assert "臨時収集" in mine and "連絡済み" in mine
    assert "臨時収集" not in theirs and "連絡済み" not in theirs


def test_the_case_page_offers_the_case_channel_and_then_links_to_it(case: Case, seiso_clerk: User) -> None:
    client = signed_in(seiso_clerk)
    page = client.get(reverse("cases:case-detail", args=[case.public_id])).content.decode()
    assert reverse("collab:case-channel-open", args=[case.public_id]) in page

    response = client.post(reverse("collab:case-channel-open", args=[case.public_id]))

    channel = Channel.objects.get(case=case)
    assert response["Location"] == reverse("collab:channel-detail", args=[channel.public_id])
    page = client.get(reverse("cases:case-detail", args=[case.public_id])).content.decode()
    assert reverse("collab:channel-detail", args=[channel.public_id]) in page


def test_a_direct_conversation_is_started_from_the_list(seiso_clerk: User, outsider: User) -> None:
    response = signed_in(seiso_clerk).post(
        reverse("collab:conversation-create"), {"kind": "direct", "usernames": "@clerk-x", "classification": "OFFICIAL"}
    )
    channel = Channel.objects.get(kind="direct")
    assert response["Location"] == reverse("collab:channel-detail", args=[channel.public_id])
    assert set(channel.memberships.values_list("user__username", flat=True)) == {"clerk-a", "clerk-x"}


def test_residents_get_no_chat(department_channel: Channel, resident_client: object) -> None:
    assert resident_client.get(reverse("collab:channel-list")).status_code == 404  # type: ignore[attr-defined]


def test_a_message_received_live_and_marked_read_leaves_no_unread_count(
    department_channel: Channel, seiso_clerk: User, seiso_colleague: User
) -> None:
    # given a reader with the channel page open (all read), then a message arriving over the socket
    client = signed_in(seiso_clerk)
    client.get(reverse("collab:channel-detail", args=[department_channel.public_id]))
    live = post(department_channel, seiso_colleague, "ライブで届いた件")
    assert "1 件の未読" in client.get(reverse("collab:channel-list")).content.decode()

    # when the page reports it shown
    response = client.post(
        reverse("collab:read-marker", args=[department_channel.public_id]),
        {"message": [str(live.public_id)]},
        HTTP_X_REQUESTED_WITH="fetch",
    )

    # then the count is gone without a reload of the channel page
    assert response.status_code == 204
    assert "未読" not in client.get(reverse("collab:channel-list")).content.decode()


def test_the_read_marker_names_only_messages_of_its_channel_and_never_moves_back(
    department_channel: Channel, seiso_clerk: User, seiso_colleague: User, outsider: User
) -> None:
    first = post(department_channel, seiso_colleague, "一件目")
    second = post(department_channel, seiso_colleague, "二件目")
    url = reverse("collab:read-marker", args=[department_channel.public_id])
    client = signed_in(seiso_clerk)
    assert client.post(url, {"message": [str(second.public_id)]}).status_code == 204
    assert client.post(url, {"message": [str(first.public_id)]}).status_code == 204  # older: stays at second
    assert department_channel.memberships.get(user=seiso_clerk).last_read_id == second.pk
    assert client.post(url, {"message": ["not-a-uuid"]}).status_code == 400
    assert client.post(url, {}).status_code == 404
    assert signed_in(outsider).post(url, {"message": [str(second.public_id)]}).status_code == 404


def test_a_clerk_opens_their_departments_channel_from_the_list_once(seiso_clerk: User, outsider: User) -> None:
    # given no department channel yet
    client = signed_in(seiso_clerk)
    url = reverse("collab:department-channel-open", args=["seiso"])
    assert url in client.get(reverse("collab:channel-list")).content.decode()

    # when the clerk presses the button, twice
    first = client.post(url)
    second = client.post(url)

    # then one channel of the department exists, both lead to it, and the button is gone
    channel = Channel.objects.get(kind="department", department__code="seiso")
    assert first["Location"] == second["Location"] == reverse("collab:channel-detail", args=[channel.public_id])
    assert url not in client.get(reverse("collab:channel-list")).content.decode()
    assert signed_in(outsider).post(url).status_code == 404  # not their department
