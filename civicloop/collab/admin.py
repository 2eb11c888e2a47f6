# SPDX-License-Identifier: MPL-2.0
"""The chat in the Django admin: channels and messages the person may read here, and never a message's text.

Scoped by the chat rules like every other read path (`Channel.objects.readable_by`, `decide_channel`);
read-only: posting, editing and deleting happen in chat, through the actions and their audit.
"""

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from civicloop.classification.adminscope import PolicyScopedAdmin
from civicloop.classification.policy import Context, context_from_request
from civicloop.collab.models import Channel, Message
from civicloop.collab.rules import ChatAction, decide_channel


class _ChatAdmin(PolicyScopedAdmin):
    def channel_of(self, obj: Any) -> Channel:
        raise NotImplementedError

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Model | None:
        # The scoped queryset finds it only if the rules allow; the page is audited as the channel's would be.
        obj: Model | None = admin.ModelAdmin.get_object(self, request, object_id, from_field)
        if obj is None:
            return None
        if not decide_channel(
            request.user, ChatAction.READ, self.channel_of(obj), context_from_request(request)
        ).allowed:
            return None
        return obj

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Channel)
class ChannelAdmin(_ChatAdmin):
    list_display = ("name", "kind", "classification", "department", "created_at")
    list_filter = ("kind", "classification")
    fields = ("public_id", "name", "kind", "classification", "department", "topic", "created_at", "last_seq")
    readonly_fields = fields

    def channel_of(self, obj: Any) -> Channel:
        channel: Channel = obj
        return channel

    def scope(self, queryset: QuerySet[Any], user: Any, context: Context) -> QuerySet[Any]:
        return queryset.filter(pk__in=Channel.objects.readable_by(user, context).values("pk"))


@admin.register(Message)
class MessageAdmin(_ChatAdmin):
    # No `body`: administration gives no access to content (classification.adminscope).
    list_display = ("public_id", "channel", "author", "created_at", "is_deleted", "is_pinned")
    list_filter = ("is_deleted", "is_pinned")
    fields = ("public_id", "channel", "author", "parent", "classification", "created_at", "edited_at", "is_deleted")
    readonly_fields = fields

    def channel_of(self, obj: Any) -> Channel:
        channel: Channel = obj.channel
        return channel

    def scope(self, queryset: QuerySet[Any], user: Any, context: Context) -> QuerySet[Any]:
        return queryset.filter(channel__in=Channel.objects.readable_by(user, context).values("pk"))
