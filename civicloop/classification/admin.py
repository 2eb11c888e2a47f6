# SPDX-License-Identifier: MPL-2.0
"""Read-only views of requests and grants: every change goes through classification.actions,
which records the event and the audit entry the admin would skip."""

from typing import Any

from django.contrib import admin

from civicloop.classification.models import ClassificationRequest, ClassificationRequestHistory, NeedToKnowGrant


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class HistoryInline(admin.TabularInline):
    model = ClassificationRequestHistory
    extra = 0
    can_delete = False
    readonly_fields = ["status", "actor", "note", "at"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ClassificationRequest)
class ClassificationRequestAdmin(ReadOnlyAdmin):
    list_display = ["requested_at", "content_type", "department_code", "from_tier", "to_tier", "status", "requested_by"]
    list_filter = ["status", "to_tier", "department_code"]
    search_fields = ["object_public_id", "public_id"]
    inlines = [HistoryInline]


@admin.register(NeedToKnowGrant)
class NeedToKnowGrantAdmin(ReadOnlyAdmin):
    list_display = ["user", "content_type", "object_public_id", "granted_by", "expires_at", "revoked_at"]
    list_filter = ["content_type"]
    search_fields = ["user__username", "object_public_id"]
