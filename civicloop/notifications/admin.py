# SPDX-License-Identifier: MPL-2.0
"""Delivery status for staff: every message, its attempts and last error; re-send the failed ones."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from civicloop.notifications.actions import requeue_messages
from civicloop.notifications.models import Channel, ChannelPreference, Message
from civicloop.notifications.rendering import is_classified

_HIDDEN = "(classified: only the recipient reads it, in their notices)"


def _hides_text(message: Message) -> bool:
    """The admin is not a read path of the access policy, so a SECRET+ notice's own text stays in the
    recipient's inbox. Outside channels of such a notice carry only the pointer text: safe to show."""
    return message.channel == Channel.PORTAL and is_classified(message.classification)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "template_code",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "subject",
        "classification",
    )
    list_filter = ("status", "channel", "template_code", "classification")
    search_fields = ("public_id", "subject", "dedupe_key")
    date_hierarchy = "created_at"
    actions = ("send_again",)
    fields = (
        "public_id",
        "template_code",
        "language",
        "channel",
        "recipient",
        "address",
        "subject",
        "classification",
        "department_code",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "external_ref",
        "created_at",
        "sent_at",
        "read_at",
        "title_text",
        "body_text",
        "dedupe_key",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # messages come from notify() only

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False  # the delivery record stays

    @admin.display(description="title")
    def title_text(self, obj: Message) -> str:
        return _HIDDEN if _hides_text(obj) else obj.title

    @admin.display(description="body")
    def body_text(self, obj: Message) -> str:
        return _HIDDEN if _hides_text(obj) else obj.body

    @admin.action(description="Send the selected failed or dead messages again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        count = requeue_messages(messages=queryset, by=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"{count} message(s) queued again.", messages.SUCCESS)


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "language", "email_enabled", "sms_enabled", "line_enabled", "webhook_url", "updated_at")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)
