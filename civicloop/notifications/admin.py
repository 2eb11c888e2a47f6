# SPDX-License-Identifier: MPL-2.0
"""Delivery status for staff: the messages of their departments, attempts and last error; re-send the failed ones.

What a message says and where it goes are the recipient's: no title, body, address or recipient
appears here, whatever the tier (administration gives no access to content). Which messages are
listed follows the policy, as for every classified model (classification.adminscope).
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from civicloop.classification.adminscope import PolicyScopedAdmin
from civicloop.classification.policy import Action, Context, NotPermitted, context_from_request, visible_q
from civicloop.notifications.actions import requeue_messages
from civicloop.notifications.models import ChannelPreference, Message


@admin.register(Message)
class MessageAdmin(PolicyScopedAdmin):
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
    search_fields = ("public_id", "subject")
    date_hierarchy = "created_at"
    actions = ("send_again",)
    fields = (
        "public_id",
        "template_code",
        "language",
        "channel",
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
    )
    readonly_fields = fields

    def scope(self, queryset: QuerySet[Any], user: Any, context: Context) -> QuerySet[Any]:
        # The department's staff see its messages' delivery status; a resident's own, their own.
        return queryset.filter(
            visible_q(
                user,
                owner_field="recipient",
                department_field="department_code",
                guest_field="recipient_ref",  # never a guest key: guests have no portal notices
                context=Context(device_trust=context.device_trust),
                action=Action.VIEW,
            )
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # messages come from notify() only

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False  # the delivery record stays

    @admin.action(description="Send the selected failed or dead messages again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        try:
            count = requeue_messages(
                messages=queryset,
                by=request.user,  # type: ignore[arg-type]
                context=context_from_request(request),
            )
        except NotPermitted:
            # Administration is not authority: the department a notice belongs to sends it again.
            self.message_user(request, _("Only the department a notice belongs to can send it again."), messages.ERROR)
            return
        self.message_user(request, f"{count} message(s) queued again.", messages.SUCCESS)


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    """Staff set webhook URLs here (notifications.md); a resident's phone number and LINE id stay theirs."""

    list_display = ("user", "language", "email_enabled", "sms_enabled", "line_enabled", "webhook_url", "updated_at")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)
    exclude = ("phone", "line_user_id")
