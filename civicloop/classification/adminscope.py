# SPDX-License-Identifier: MPL-2.0
"""The Django admin as one more read path of the policy: administration gives no access to content.

Being `is_staff` or a superuser lets someone into /admin/; it says nothing about what they may
read. An admin for a classified model (one with a `classification` field) mixes in
`PolicyScopedAdmin`, so its changelist shows only the rows the policy lets the person view from
this device (`visible_q`, audited like any list), and one object's pages (change, history, delete)
open only when `decide` allows VIEW (audited like a detail page); anything else is "does not
exist", as a 404 would be. Content that no member of staff reads on a page of their own — a
notice's text, a resident's address — is kept out of the admin altogether (the admins list no
such field); test_admin_scope.py checks both for every registered admin.
"""

from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from civicloop.classification.policy import Action, Context, context_from_request, decide, record_listed


class PolicyScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows and pages are those the access policy lets the person VIEW."""

    def scope(self, queryset: QuerySet[Any], user: Any, context: Context) -> QuerySet[Any]:
        """The rows `user` may view: the model's own `visible_to` (override for models without one)."""
        scoped: QuerySet[Any] = queryset.visible_to(user, context, action=Action.VIEW)  # type: ignore[attr-defined]
        return scoped

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope(super().get_queryset(request), request.user, context_from_request(request))

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Model | None:
        obj = super().get_object(request, object_id, from_field)  # found in the scoped queryset, or None
        if obj is None or not decide(request.user, Action.VIEW, obj, context_from_request(request)).allowed:
            return None  # the admin then says the object does not exist, as a 404 would
        return cast(Model, obj)

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        changelist = super().get_changelist_instance(request)
        # Audited as each row's page would be (SECRET and above), like every other list.
        record_listed(request.user, Action.VIEW, changelist.result_list, context_from_request(request))
        return changelist
