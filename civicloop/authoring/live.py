# SPDX-License-Identifier: MPL-2.0
"""What the server tells the open editors of a document, through the channel layer.

The websocket consumer (consumers.py) joins one group per document. An action that changes the Y
document outside a socket (accepting a suggestion) or its comments announces it here after its
transaction commits, so an editor never hears of a change that was rolled back.
"""

from django.db import transaction

from civicloop.authoring.models import Document
from civicloop.core import broadcast


def group_name(document: Document) -> str:
    return f"authoring.{document.public_id.hex}"


def _send(document: Document, message: dict[str, object]) -> None:
    broadcast.group_send(group_name(document), message)


def announce_update(document: Document, update: bytes) -> None:
    """A Yjs update the server made: each socket applies it to its replica and passes it on."""
    transaction.on_commit(lambda: _send(document, {"type": "document.update", "update": update, "sender": ""}))


def announce_comments(document: Document) -> None:
    """The comments changed: each editor fetches them again (they are read through the policy, not pushed)."""
    transaction.on_commit(lambda: _send(document, {"type": "comments.changed"}))
