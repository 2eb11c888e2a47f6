# SPDX-License-Identifier: MPL-2.0
"""Procurement in the Django admin: read-only, scoped by the procurement rules like the pages.

Writes go through the actions (rules, audit, events). No admin lists a bid's sealed box, its
price or its proposal, an opening key, or a score's reason: the admin is for finding records,
not for reading bids (test_sealed_bids.py and test_admin.py check it).
"""

from typing import Any, cast

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from civicloop.classification.adminscope import PolicyScopedAdmin
from civicloop.classification.policy import Action, Context, context_from_request
from civicloop.procurement import access, rules
from civicloop.procurement.models import Bid, Service, Supplier, Tender


class _ReadOnly(PolicyScopedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Model | None:
        obj = admin.ModelAdmin.get_object(self, request, object_id, from_field)
        if obj is None or not rules.decide(request.user, Action.VIEW, obj, context_from_request(request)).allowed:
            return None
        return cast(Model, obj)


@admin.register(Supplier)
class SupplierAdmin(_ReadOnly):
    list_display = ("name", "corporate_number", "size", "status", "classification")
    list_filter = ("status", "size")
    fields = ("public_id", "corporate_number", "name", "size", "status", "registered_at", "classification")
    readonly_fields = fields

    def scope(self, queryset: QuerySet[Any], user: Any, context: Context) -> QuerySet[Any]:
        return queryset.filter(pk__in=access.suppliers_visible_to(user, context).values("pk"))


@admin.register(Service)
class ServiceAdmin(_ReadOnly):
    list_display = ("name", "supplier", "lot", "status", "classification")
    list_filter = ("status", "lot")
    fields = ("public_id", "supplier", "lot", "name", "status", "created_at", "classification")
    readonly_fields = fields

    def scope(self, queryset: QuerySet[Any], user: Any, context: Context) -> QuerySet[Any]:
        return queryset.filter(pk__in=access.services_visible_to(user, context).values("pk"))


@admin.register(Tender)
class TenderAdmin(_ReadOnly):
    list_display = ("reference", "title", "department", "status", "bid_deadline", "classification")
    list_filter = ("status",)
    fields = ("public_id", "reference", "title", "department", "status", "bid_deadline", "classification")
    readonly_fields = fields

    def scope(self, queryset: QuerySet[Any], user: Any, context: Context) -> QuerySet[Any]:
        return queryset.filter(pk__in=access.tenders_visible_to(user, context).values("pk"))


@admin.register(Bid)
class BidAdmin(_ReadOnly):
    """Who bid, when, and the receipt digest; never the sealed box or, once opened, its content."""

    list_display = ("public_id", "tender", "supplier", "status", "version", "submitted_at", "classification")
    list_filter = ("status",)
    fields = ("public_id", "tender", "supplier", "status", "version", "submitted_at", "digest", "classification")
    readonly_fields = fields

    def scope(self, queryset: QuerySet[Any], user: Any, context: Context) -> QuerySet[Any]:
        return queryset.filter(pk__in=access.bids_visible_to(user, context).values("pk"))
