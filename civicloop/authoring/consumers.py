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
Presence (awareness, frame type 1) is ignored.
"""

import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404
from pycrdt import YMessageType, YSyncMessageType, create_sync_message, create_update_message, handle_sync_message
from pycrdt import read_message as read_payload

from civicloop.accounts.models import User
from civicloop.authoring import actions, ydoc
from civicloop.authoring.access import get_document_for_user
from civicloop.authoring.errors import DocumentFrozen
from civicloop.authoring.models import Document
from civicloop.classification.policy import Action, Context, evaluate
from civicloop.devices.sessions import staff_reader_of

REFUSED = 4404  # refused at connection (never says whether the document exists)
READ_ONLY = 4403  # a change from someone who may read but not work the document
FROZEN = 4409  # a change to a signed-off document
MALFORMED = 4400  # bytes that are not a Yjs message or update
MAX_FRAME = 2 * 1024 * 1024  # a pasted page of text is a few kB; a frame this large is refused
RECHECK_SECONDS = 30  # the right to edit is asked again this often (a clerk moved out of the department)


def group_name(document: Document) -> str:
    return f"authoring.{document.public_id.hex}"


class DocumentConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels is untyped
    person: User
    context: Context
    document: Document
    doc: ydoc.YDoc
    may_edit: bool
    checked_at: float

    async def connect(self) -> None:
        if not await database_sync_to_async(self._open)():
            await self.close(code=REFUSED)
            return
        await self.channel_layer.group_add(group_name(self.document), self.channel_name)
        state, updates = await database_sync_to_async(actions.stored_updates)(self.document)
        self.doc = ydoc.load(state, updates)
        await self.accept()
        await self.send(bytes_data=create_sync_message(self.doc))  # step 1: the browser answers with what we lack

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

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not bytes_data or len(bytes_data) > MAX_FRAME or len(bytes_data) < 2:
            await self.close(code=MALFORMED)
            return
        if bytes_data[0] != YMessageType.SYNC:
            return  # awareness (presence) is not kept
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

    async def document_update(self, event: dict[str, Any]) -> None:
        """A change another socket stored: applied to this replica and passed to the browser."""
        if event["sender"] == self.channel_name:
            return
        ydoc.apply(self.doc, event["update"])
        await self.send(bytes_data=create_update_message(event["update"]))
