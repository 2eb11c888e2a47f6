# SPDX-License-Identifier: MPL-2.0
"""What chat pages, the poll endpoint and the websocket send about a message, and the broadcast.

A message is written to the database first; only after the transaction commits is it announced
on the channel layer (`broadcast`), to the group of the channel's open sockets: each process of
the `asgi` role receives it once and hands it to its sockets (fanout.py), which pass it on while
their reader may still read the channel (consumers.py). A socket that
missed something — it dropped, the layer lost it — asks for everything after the last change it
saw (`?after=<seq>`), from the database, so nothing is lost.
"""

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TypedDict

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.timezone import localtime

from civicloop.collab import fanout
from civicloop.collab.models import REACTIONS, Channel, Message, MessageFile, Reaction
from civicloop.core import broadcast
from civicloop.core.models import TIER_NAMES, Classification


class FilePayload(TypedDict):
    public_id: str
    name: str
    size: int
    content_type: str
    classification: str
    tier: str  # as shown: 公開 / 秘 …
    url: str  # the download view, which asks the rules (and audits) each time


class MessagePayload(TypedDict):
    id: int
    seq: int
    public_id: str
    parent: str | None
    author: str
    author_id: str
    body: str
    created_at: str
    time: str  # as shown, Asia/Tokyo: 2026-05-01 09:30
    edited: bool
    deleted: bool
    pinned: bool
    replies: int
    reactions: dict[str, int]
    files: list[FilePayload]


# Every open chat socket is in this group as well: told to ask the rules again when a tier changes.
RECHECK_ALL_GROUP = "chat.recheck"


def group_name(channel: Channel) -> str:
    """The channel layer group of a chat channel's open sockets (letters, digits, '.', '-' only)."""
    return f"chat.{channel.public_id}"


def reader_group(user_pk: int) -> str:
    """The group of one person's open chat sockets, whatever channel they are on."""
    return f"chat.reader.{user_pk}"


def recheck_after_commit(groups: Iterable[str]) -> None:
    """Once the change commits, tell the sockets in `groups` to ask the chat rules again (consumers.py)."""
    wanted = sorted(set(groups))

    def send() -> None:
        for group in wanted:
            broadcast.group_send(group, {"type": "chat.recheck"})

    transaction.on_commit(send, robust=True)


def payloads(messages: Sequence[Message]) -> list[MessagePayload]:
    """The JSON form of `messages`, with reply and reaction counts read in two queries for all."""
    ids = [m.pk for m in messages]
    replies = dict(
        Message.objects.filter(parent_id__in=ids, is_deleted=False)
        .values_list("parent_id")
        .annotate(n=Count("pk"))
        .values_list("parent_id", "n")
    )
    reactions: dict[int, Counter[str]] = {}
    for message_id, code in Reaction.objects.filter(message_id__in=ids).values_list("message_id", "code"):
        reactions.setdefault(message_id, Counter())[code] += 1
    files: dict[int, list[FilePayload]] = {}
    for file in MessageFile.objects.filter(message_id__in=ids, message__is_deleted=False).order_by("pk"):
        files.setdefault(file.message_id, []).append(_file_payload(file))
    return [_payload(m, replies.get(m.pk, 0), reactions.get(m.pk, Counter()), files.get(m.pk, [])) for m in messages]


def _file_payload(file: MessageFile) -> FilePayload:
    return {
        "public_id": str(file.public_id),
        "name": file.original_name,
        "size": file.size,
        "content_type": file.content_type,
        "classification": file.classification,
        "tier": str(TIER_NAMES[Classification(file.classification)]),
        "url": reverse("collab:file-download", args=[file.public_id]),
    }


def _payload(message: Message, replies: int, reactions: Counter[str], files: list[FilePayload]) -> MessagePayload:
    return {
        "id": message.pk,
        "seq": message.seq,
        "public_id": str(message.public_id),
        "parent": str(message.parent.public_id) if message.parent is not None else None,
        "author": message.author.display_name,
        "author_id": str(message.author.public_id),
        "body": "" if message.is_deleted else message.body,
        "created_at": message.created_at.isoformat(),
        "time": localtime(message.created_at).strftime("%Y-%m-%d %H:%M"),
        "edited": message.edited_at is not None,
        "deleted": message.is_deleted,
        "pinned": message.is_pinned,
        "replies": replies,
        "reactions": {code: reactions[code] for code in REACTIONS if reactions[code]},
        "files": files,
    }


def changed_since(channel: Channel, after: int, *, limit: int = 200) -> list[Message]:
    """The channel's messages changed (posted, edited, deleted, reacted to, pinned) after change `after`."""
    return list(
        Message.objects.filter(channel=channel, seq__gt=after)
        .select_related("author", "parent")
        .order_by("seq")[:limit]
    )


def new_payload(message: Message, files: Sequence[MessageFile] = ()) -> MessagePayload:
    """The payload of a message just posted, from memory: it has no replies or reactions yet, and
    its files are the ones just attached. The broadcast and the posting view's answer send it."""
    return _payload(message, 0, Counter(), [_file_payload(file) for file in files])


def broadcast_after_commit(
    channel: Channel, messages: Sequence[Message], *, known: Sequence[MessagePayload] = ()
) -> None:
    """Announce the changed messages to the channel's open sockets once the change has committed.

    `known` are payloads the caller already holds (a new message's, `new_payload`): sent as they
    are. The other messages are read again after the commit, so what goes out is what was committed.
    """
    group = group_name(channel)
    given = {payload["id"]: payload for payload in known}

    def send() -> None:
        to_read = [m.pk for m in messages if m.pk not in given]
        fresh = list(Message.objects.filter(pk__in=to_read).select_related("author", "parent")) if to_read else []
        for payload in sorted([*given.values(), *(payloads(fresh) if fresh else [])], key=lambda p: p["seq"]):
            # Serialised once here, not once per socket: the frame every reader gets is the same.
            frame = json.dumps({"type": "message", "message": payload}, ensure_ascii=False)
            message = {"type": fanout.MESSAGE_TYPE, "group": group, "seq": payload["seq"], "frame": frame}
            broadcast.group_send(group, message)

    transaction.on_commit(send, robust=True)
