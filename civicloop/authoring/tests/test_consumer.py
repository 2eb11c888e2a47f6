# SPDX-License-Identifier: MPL-2.0
"""The co-editing websocket (WebsocketCommunicator against the application config.asgi mounts).

Frames are the y-websocket protocol's, made and read with pycrdt as a browser's Yjs would.
"""

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client
from pycrdt import Doc, YSyncMessageType, create_sync_message, create_update_message, handle_sync_message

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring import actions, consumers, ydoc
from civicloop.authoring.models import Document, DocumentUpdate
from civicloop.authoring.routing import websocket_application
from civicloop.authoring.tests.conftest import MANAGED, paragraphs_update

# Consumers reach the database from their own thread: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _hosts(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]


def _socket(user: User | None, document: Document) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user is not None:
        session = sign_in_with_mfa(Client(), user).cookies["sessionid"].value
        headers.append((b"cookie", f"sessionid={session}".encode()))
    return WebsocketCommunicator(websocket_application, f"/ws/documents/{document.public_id}/", headers=headers)


class Browser:
    """One editor: its own Y document, synced over one socket."""

    def __init__(self, user: User, document: Document) -> None:
        self.socket = _socket(user, document)
        self.doc: Doc[Any] = Doc()

    async def open(self) -> None:
        connected, code = await self.socket.connect(30)
        assert connected, code
        await self.take(await self.socket.receive_from(10))  # the server's step 1
        await self.socket.send_to(bytes_data=create_sync_message(self.doc))
        await self.take(await self.socket.receive_from(10))  # step 2: what the server holds

    async def take(self, frame: bytes) -> None:
        reply = handle_sync_message(frame[1:], self.doc)
        if reply is not None:
            await self.socket.send_to(bytes_data=reply)

    async def type(self, *texts: str) -> None:
        await self.socket.send_to(bytes_data=create_update_message(paragraphs_update(*texts, doc=self.doc)))

    def text(self) -> str:
        return ydoc.to_text(self.doc)


def test_a_change_from_one_editor_reaches_the_other_and_is_stored(
    draft: Document, author: User, colleague: User
) -> None:
    first, second = Browser(author, draft), Browser(colleague, draft)

    async def scenario() -> str:
        # given both editors are open
        await first.open()
        await second.open()
        # when the first types a paragraph
        await first.type("市長答弁の骨子")
        # then the second receives it as an update
        frame = await second.socket.receive_from(10)
        assert frame[:2] == bytes([0, YSyncMessageType.SYNC_UPDATE])
        await second.take(frame)
        await first.socket.disconnect()
        await second.socket.disconnect()
        return second.text()

    assert async_to_sync(scenario)() == "市長答弁の骨子"
    assert DocumentUpdate.objects.filter(document=draft).count() == 1


def test_a_late_joiner_gets_the_stored_text_with_no_socket_left_open(draft: Document, author: User) -> None:
    writer, reader = Browser(author, draft), Browser(author, draft)

    async def scenario() -> str:
        await writer.open()
        await writer.type("一", "二")
        await writer.socket.receive_nothing(0.5)
        await writer.socket.disconnect()
        # every replica in memory is gone; the next editor loads from the database alone
        await reader.open()
        await reader.socket.disconnect()
        return reader.text()

    assert async_to_sync(scenario)() == "一\n二"


def test_a_signed_off_document_refuses_changes(draft: Document, author: User, colleague: User) -> None:
    version = actions.create_version(document=draft, created_by=author, context=MANAGED)
    [review] = actions.request_review(version=version, reviewers=[colleague], requested_by=author, context=MANAGED)
    actions.decide_review(review=review, reviewer=colleague, approve=True)
    actions.sign_off_version(version=version, signed_off_by=author, context=MANAGED)
    editor = Browser(author, draft)

    async def scenario() -> Any:
        await editor.open()
        await editor.type("署名後の書き換え")
        return await editor.socket.receive_output(10)

    closed = async_to_sync(scenario)()

    assert closed == {"type": "websocket.close", "code": consumers.FROZEN}
    assert not DocumentUpdate.objects.filter(document=draft).exists()


def test_a_reviewer_from_another_department_reads_but_cannot_write(
    draft: Document, author: User, outsider: User
) -> None:
    actions.append_update(document=draft, update=paragraphs_update("本文"), author=author)
    version = actions.create_version(document=draft, created_by=author, context=MANAGED)
    actions.request_review(version=version, reviewers=[outsider], requested_by=author, context=MANAGED)
    reviewer = Browser(outsider, draft)

    async def scenario() -> tuple[str, Any]:
        await reviewer.open()
        loaded = reviewer.text()
        await reviewer.type("勝手な加筆")
        return loaded, await reviewer.socket.receive_output(10)

    text, closed = async_to_sync(scenario)()

    assert text == "本文"
    assert closed == {"type": "websocket.close", "code": consumers.READ_ONLY}
    assert DocumentUpdate.objects.filter(document=draft).count() == 1


@pytest.mark.parametrize("who", ["outsider", "nobody"])
def test_someone_outside_the_need_to_know_cannot_connect(draft: Document, outsider: User, who: str) -> None:
    socket = _socket(outsider if who == "outsider" else None, draft)

    async def scenario() -> tuple[bool, Any]:
        return await socket.connect(30)

    assert async_to_sync(scenario)() == (False, consumers.REFUSED)


def test_bytes_that_are_not_an_update_close_the_socket_and_store_nothing(draft: Document, author: User) -> None:
    editor = Browser(author, draft)

    async def scenario() -> Any:
        await editor.open()
        await editor.socket.send_to(bytes_data=bytes([0, YSyncMessageType.SYNC_UPDATE, 5, 1, 2]))
        return await editor.socket.receive_output(10)

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": consumers.MALFORMED}
    assert not DocumentUpdate.objects.filter(document=draft).exists()
