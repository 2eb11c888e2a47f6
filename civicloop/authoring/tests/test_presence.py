# SPDX-License-Identifier: MPL-2.0
"""Presence over the co-editing websocket: who is here, under the name the server knows, and leaving."""

from typing import Any

import pytest
from asgiref.sync import async_to_sync

from civicloop.accounts.models import User
from civicloop.authoring import consumers, presence
from civicloop.authoring.models import Document
from civicloop.authoring.tests.test_consumer import Browser as SyncingBrowser
from civicloop.authoring.tests.test_consumer import _hosts  # noqa: F401  # the fixture, used by name

pytestmark = pytest.mark.django_db(transaction=True)


def _awareness(client_id: int, clock: int, state: Any) -> bytes:
    return presence.write([presence.Entry(client_id, clock, state)])


class Browser(SyncingBrowser):
    """An editor that keeps the presence frames arriving while it syncs, as y-websocket interleaves them."""

    def __init__(self, user: User, document: Document) -> None:
        super().__init__(user, document)
        self.presence: list[bytes] = []

    async def take(self, frame: bytes) -> None:
        while frame[0] == presence.MESSAGE_AWARENESS:
            self.presence.append(frame)
            frame = await self.socket.receive_from(10)
        await super().take(frame)


async def _next_presence(browser: Browser) -> list[presence.Entry]:
    if browser.presence:
        return presence.read(browser.presence.pop(0))
    while True:
        frame = await browser.socket.receive_from(10)
        if frame[0] == presence.MESSAGE_AWARENESS:
            return presence.read(frame)


def test_each_editor_sees_the_other_under_the_name_the_server_knows_and_sees_them_leave(
    draft: Document, author: User, colleague: User
) -> None:
    first, second = Browser(author, draft), Browser(colleague, draft)

    async def scenario() -> tuple[list[presence.Entry], list[presence.Entry], list[presence.Entry]]:
        # given the first editor is here, claiming someone else's name
        await first.open()
        await first.socket.send_to(bytes_data=_awareness(11, 1, {"user": {"name": "市長"}, "cursor": None}))
        # when the second opens the document, then it is told who is already here
        await second.open()
        already = await _next_presence(second)
        # and when the second moves its cursor the first sees it
        await second.socket.send_to(bytes_data=_awareness(22, 1, {"user": {"name": "x"}, "cursor": {"a": 1}}))
        moved = await _next_presence(first)
        # and when the first leaves, the second is told
        await first.socket.disconnect()
        gone = await _next_presence(second)
        await second.socket.disconnect()
        return already, moved, gone

    already, moved, gone = async_to_sync(scenario)()

    assert [(e.client_id, e.state["user"]["name"]) for e in already] == [(11, "清掃 一郎")]
    assert moved[0].state["user"]["name"] == "清掃 花子" and moved[0].state["cursor"] == {"a": 1}
    assert moved[0].state["user"]["color"] in presence.PALETTE
    assert [(e.client_id, e.state) for e in gone] == [(11, None)]


def test_a_socket_speaks_only_for_its_own_client(draft: Document, author: User, colleague: User) -> None:
    first, second = Browser(author, draft), Browser(colleague, draft)

    async def scenario() -> list[presence.Entry]:
        await first.open()
        await second.open()
        # the first speaks as client 11, then tries to speak for client 22 as well
        await first.socket.send_to(bytes_data=_awareness(11, 1, {"cursor": None}))
        await _next_presence(second)
        forged = presence.write([presence.Entry(22, 5, None), presence.Entry(11, 2, {"cursor": {"b": 2}})])
        await first.socket.send_to(bytes_data=forged)
        entries = await _next_presence(second)
        await first.socket.disconnect()
        await second.socket.disconnect()
        return entries

    entries = async_to_sync(scenario)()

    assert [(e.client_id, e.clock) for e in entries] == [(11, 2)]


def test_a_frame_that_is_not_awareness_closes_the_socket(draft: Document, author: User) -> None:
    browser = Browser(author, draft)

    async def scenario() -> Any:
        await browser.open()
        await browser.socket.send_to(bytes_data=bytes([1, 40, 1, 2]))  # a length past the end
        return await browser.socket.receive_output(10)

    closed = async_to_sync(scenario)()

    assert closed == {"type": "websocket.close", "code": consumers.MALFORMED}


def test_the_codec_reads_what_it_writes_with_japanese_in_the_state() -> None:
    entries = [presence.Entry(3_000_000_000, 7, {"user": {"name": "髙﨑 𠮷"}}), presence.Entry(5, 1, None)]

    assert presence.read(presence.write(entries)) == entries
