# SPDX-License-Identifier: MPL-2.0
"""The co-editing websocket: `/ws/documents/<document>/`, the y-websocket sync protocol over Channels.

Binary frames as y-websocket sends them (pycrdt writes and reads them): `[0, 0, state vector]`
(sync step 1: "what I have"), `[0, 1, update]` (step 2: "what you lacked"), `[0, 2, update]` (a
change). At connection the socket is what an HTTP request would be (session user, second factor,
bound device) and the one policy decides VIEW, audited as a page would be; a refusal closes it
before it is accepted. Each connection keeps its own replica of the Y document, loaded from the
database after joining the document's group, so no change is missed between the two (applying a
Yjs update twice changes nothing). A change from the browser is applied to the replica (which
refuses bytes that are not an update), stored (`actions.append_update`, which refuses a signed-off
document), then announced to the group; the other sockets apply it and pass it to their browsers.
Nothing lives only in memory: a restarted server, or another process, loads the same state.

Presence (awareness, frame type 1, `presence.py`) is relayed, never stored: each socket speaks for
one Yjs client, stamped with the signed-in person's name; a newcomer asks the group for the states
already there, and a socket that closes tells the others its client left. Anyone who may read the
document is present, editors or not. A frame of type 100 (`COMMENTS_CHANGED`, unknown to Yjs)
tells the editor to fetch the comments again.
"""

import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404
from pycrdt import YMessageType, YSyncMessageType, create_sync_message, create_update_message, handle_sync_message
from pycrdt import read_message as read_payload

from civicloop.accounts.models import User
from civicloop.authoring import actions, presence, ydoc
from civicloop.authoring.access import get_document_for_user
from civicloop.authoring.errors import DocumentFrozen
from civicloop.authoring.live import group_name
from civicloop.authoring.models import Document
from civicloop.classification.policy import Action, Context, evaluate
from civicloop.devices.sessions import staff_reader_of

REFUSED = 4404  # refused at connection (never says whether the document exists)
READ_ONLY = 4403  # a change from someone who may read but not work the document
FROZEN = 4409  # a change to a signed-off document
MALFORMED = 4400  # bytes that are not a Yjs message or update
MAX_FRAME = 2 * 1024 * 1024  # a pasted page of text is a few kB; a frame this large is refused
RECHECK_SECONDS = 30  # the right to edit is asked again this often (a clerk moved out of the department)
COMMENTS_CHANGED = bytes([100])  # our own message type: y-websocket clients ignore types they do not know

__all__ = ["DocumentConsumer", "group_name"]


class DocumentConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels is untyped
    person: User
    context: Context
    document: Document
    doc: ydoc.YDoc
    may_edit: bool
    checked_at: float
    client_id: int | None = None  # the Yjs client this socket speaks for in presence
    awareness: presence.Entry | None = None  # its last state, for newcomers

    async def connect(self) -> None:
        if not await database_sync_to_async(self._open)():
            await self.close(code=REFUSED)
            return
        await self.channel_layer.group_add(group_name(self.document), self.channel_name)
        state, updates = await database_sync_to_async(actions.stored_updates)(self.document)
        self.doc = ydoc.load(state, updates)
        await self.accept()
        await self.send(bytes_data=create_sync_message(self.doc))  # step 1: the browser answers with what we lack
        await self.channel_layer.group_send(
            group_name(self.document), {"type": "presence.query", "reply_to": self.channel_name}
        )

    def _open(self) -> bool:
        reader = staff_reader_of(self.scope)
        if reader is None:
            return False
        self.person, self.context = reader
        try:
            self.document = get_document_for_user(
                self.person, self.scope["url_route"]["kwargs"]["public_id"], action=Action.VIEW, context=self.context
            )
        except Http404:
            return False
        self._check_edit()
        return True

    def _check_edit(self) -> bool:
        self.may_edit = evaluate(self.person, Action.WORK, self.document, self.context).allowed
        self.checked_at = time.monotonic()
        return self.may_edit

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "document"):
            await self.channel_layer.group_discard(group_name(self.document), self.channel_name)
            if self.awareness is not None:
                frame = presence.left(self.awareness.client_id, self.awareness.clock)
                await self._share_presence(frame)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not bytes_data or len(bytes_data) > MAX_FRAME or len(bytes_data) < 2:
            await self.close(code=MALFORMED)
            return
        if bytes_data[0] == presence.MESSAGE_AWARENESS:
            await self._presence(bytes_data)
            return
        if bytes_data[0] != YMessageType.SYNC:
            return  # other y-protocols messages (auth, query awareness) are not used
        kind = bytes_data[1]
        if kind == YSyncMessageType.SYNC_STEP1:
            reply = handle_sync_message(bytes_data[1:], self.doc)
            if reply is not None:
                await self.send(bytes_data=reply)
        elif kind in (YSyncMessageType.SYNC_STEP2, YSyncMessageType.SYNC_UPDATE):
            await self._change(bytes_data[2:])
        else:
            await self.close(code=MALFORMED)

    async def _change(self, payload: bytes) -> None:
        try:
            update = read_payload(payload)
        except (RuntimeError, IndexError):
            await self.close(code=MALFORMED)
            return
        if update in (b"", b"\x00\x00"):  # an empty update (a step 2 when the browser had nothing new)
            return
        code = await database_sync_to_async(self._keep)(update)
        if code:
            await self.close(code=code)
            return
        await self.channel_layer.group_send(
            group_name(self.document), {"type": "document.update", "update": update, "sender": self.channel_name}
        )

    def _keep(self, update: bytes) -> int:
        """Apply and store one change; 0, or the close code of its refusal."""
        if time.monotonic() - self.checked_at > RECHECK_SECONDS:
            reader = staff_reader_of(self.scope)
            if reader is None:
                return REFUSED
            self.person, self.context = reader
            self.document.refresh_from_db(fields=["classification", "department"])
            self._check_edit()
        if not self.may_edit:
            return READ_ONLY
        try:
            ydoc.apply(self.doc, update)
        except ydoc.InvalidUpdate:
            return MALFORMED
        try:
            actions.append_update(document=self.document, update=update, author=self.person)
        except DocumentFrozen:
            return FROZEN
        return 0

    async def _presence(self, frame: bytes) -> None:
        try:
            entries = presence.read(frame)
        except presence.MalformedAwareness:
            await self.close(code=MALFORMED)
            return
        if self.client_id is None and entries:
            self.client_id = entries[0].client_id
        mine = [
            presence.stamped(entry, name=self.person.display_name, user_pk=self.person.pk)
            for entry in entries
            if entry.client_id == self.client_id
        ]
        if not mine:
            return
        self.awareness = mine[-1]
        await self._share_presence(presence.write(mine))

    async def _share_presence(self, frame: bytes) -> None:
        await self.channel_layer.group_send(
            group_name(self.document), {"type": "presence.update", "frame": frame, "sender": self.channel_name}
        )

    async def presence_update(self, event: dict[str, Any]) -> None:
        if event["sender"] != self.channel_name:
            await self.send(bytes_data=event["frame"])

    async def presence_query(self, event: dict[str, Any]) -> None:
        """A newcomer asks who is here: this socket's state, if it has one, goes to it alone."""
        if event["reply_to"] != self.channel_name and self.awareness is not None and self.awareness.state is not None:
            await self.channel_layer.send(
                event["reply_to"],
                {"type": "presence.update", "frame": presence.write([self.awareness]), "sender": self.channel_name},
            )

    async def comments_changed(self, event: dict[str, Any]) -> None:
        await self.send(bytes_data=COMMENTS_CHANGED)

    async def document_update(self, event: dict[str, Any]) -> None:
        """A change another socket stored: applied to this replica and passed to the browser."""
        if event["sender"] == self.channel_name:
            return
        ydoc.apply(self.doc, event["update"])
        await self.send(bytes_data=create_update_message(event["update"]))
