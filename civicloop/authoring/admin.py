# SPDX-License-Identifier: MPL-2.0
"""Co-edited documents in the Django admin: only those the person may view here, never their text.

Scoped by the one policy like every other read path (`Document.objects.visible_to`, `decide`);
read-only: writing happens in the editor and through the actions and their audit.
"""

from typing import Any, cast

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from civicloop.authoring.models import Document, Version
from civicloop.classification.adminscope import PolicyScopedAdmin
from civicloop.classification.policy import Action, Context, context_from_request, decide


class _ReadOnly(PolicyScopedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(_ReadOnly):
    list_display = ("title", "kind", "classification", "department", "status", "updated_at")
    list_filter = ("kind", "classification", "status")
    fields = ("public_id", "title", "kind", "classification", "department", "case", "status", "created_at")
    readonly_fields = fields


@admin.register(Version)
class VersionAdmin(_ReadOnly):
    # No `text`, `html` or Y state: administration gives no access to content (classification.adminscope).
    list_display = ("document", "number", "sha256", "created_at", "signed_off_at")
    fields = ("public_id", "document", "number", "sha256", "created_by", "created_at", "signed_off_at")
    readonly_fields = fields

    def scope(self, queryset: QuerySet[Any], user: Any, context: Context) -> QuerySet[Any]:
        return queryset.filter(document__in=Document.objects.visible_to(user, context).values("pk"))

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Model | None:
        version: Model | None = admin.ModelAdmin.get_object(self, request, object_id, from_field)
        if version is None:
            return None
        if not decide(
            request.user, Action.VIEW, cast(Version, version).document, context_from_request(request)
        ).allowed:
            return None
        return version
