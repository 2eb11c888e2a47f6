# SPDX-License-Identifier: MPL-2.0
"""Access helpers: the only way a view, the websocket or the admin opens a channel or a message.

Both load by public id and ask `rules.decide_channel`; missing and refused are the same 404.
"""

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404

from civicloop.cases.models import Case
from civicloop.classification.policy import Context
from civicloop.collab.models import Channel, Message, MessageFile
from civicloop.collab.rules import ChatAction, decide_channel, decide_file


def _with_case(channel: Channel) -> Channel:
    """A case channel's case (its department and application, which the rules read), in a query of its
    own: joining the case for every department channel's read cost ~1.5 ms of a post's ~18
    (bench/profile_chat_post.py). Channels, messages and files all load their channel this way."""
    if channel.case_id is not None:
        channel.case = Case.objects.select_related("department", "application").get(pk=channel.case_id)
    return channel


def get_channel_for_user(user: Any, public_id: UUID | str, *, action: ChatAction, context: Context) -> Channel:
    """The channel with this public id if the chat rules let `user` `action` it from this device; else 404."""
    try:
        channel = _with_case(Channel.objects.select_related("department").get(public_id=public_id))
    except (Channel.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not decide_channel(user, action, channel, context).allowed:
        raise Http404
    return channel


def get_message_for_user(user: Any, public_id: UUID | str, *, action: ChatAction, context: Context) -> Message:
    """The message with this public id if `user` may `action` its channel from this device; else 404."""
    try:
        message = Message.objects.select_related("author", "parent", "channel__department").get(public_id=public_id)
        _with_case(message.channel)
    except (Message.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not decide_channel(user, action, message.channel, context).allowed:
        raise Http404
    return message


def get_file_for_user(user: Any, public_id: UUID | str, *, context: Context) -> MessageFile:
    """The chat file with this public id if `user` may download it from this device (audited); else 404.

    A file of a deleted message is gone from chat for everyone (its row and bytes stay for the audit).
    """
    try:
        file = MessageFile.objects.select_related("message__channel__department").get(
            public_id=public_id, message__is_deleted=False
        )
        _with_case(file.message.channel)
    except (MessageFile.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not decide_file(user, file, context).allowed:
        raise Http404
    return file
