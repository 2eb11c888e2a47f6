# SPDX-License-Identifier: MPL-2.0
"""Meetings in the Django admin: scoped by the same `visible_to` as the pages; read-only.

Writes go through the actions (policy, audit, events).
"""

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from civicloop.classification.adminscope import PolicyScopedAdmin
from civicloop.classification.policy import Action, context_from_request
from civicloop.meetings.access import may
from civicloop.meetings.models import Meeting


@admin.register(Meeting)
class MeetingAdmin(PolicyScopedAdmin):
    list_display = ("title", "starts_at", "place", "classification")
    fields = ("public_id", "title", "starts_at", "place", "department", "classification", "minutes_signed_off_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Model | None:
        obj = admin.ModelAdmin.get_object(self, request, object_id, from_field)
        if not isinstance(obj, Meeting) or not may(request.user, Action.VIEW, obj, context_from_request(request)):
            return None
        return obj
