# SPDX-License-Identifier: MPL-2.0
"""Sessions and questions in the Django admin: scoped by the same `visible_to` as the pages; read-only.

Writes go through the actions (policy, audit, events); the admin never shows a question's text.
"""

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from civicloop.classification.adminscope import PolicyScopedAdmin
from civicloop.classification.policy import Action, context_from_request
from civicloop.council.access import may
from civicloop.council.models import Question, Session


class _ReadOnly(PolicyScopedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Model | None:
        obj = admin.ModelAdmin.get_object(self, request, object_id, from_field)
        if not isinstance(obj, Session | Question) or not may(
            request.user, Action.VIEW, obj, context_from_request(request)
        ):
            return None
        return obj


@admin.register(Session)
class SessionAdmin(_ReadOnly):
    list_display = ("name", "opens_on", "closes_on", "classification")
    fields = ("public_id", "name", "opens_on", "closes_on", "department", "classification", "created_at")
    readonly_fields = fields


@admin.register(Question)
class QuestionAdmin(_ReadOnly):
    list_display = ("session", "number", "kind", "classification", "answer_due_at")
    fields = ("public_id", "session", "number", "kind", "classification", "answer_due_at", "registered_at")
    readonly_fields = fields
