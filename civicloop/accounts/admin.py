# SPDX-License-Identifier: MPL-2.0
"""Staff accounts and departments in Django's admin. Residents are not administered here.

A resident's account holds the 基本4情報 their identity provider asserted (name, address, date of
birth) and their e-mail address; administration gives no access to them (classification.md), so
the user admin lists staff and administrators only, and a resident's page does not exist for it.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from civicloop.accounts.models import Department, User


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Staff", {"fields": ("kind", "full_name", "email", "departments", "position", "clearance", "roles")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "kind", "usable_password", "password1", "password2")}),
    )
    filter_horizontal = ("departments", "groups", "user_permissions")
    list_display = ("username", "full_name", "kind", "position", "clearance", "is_active", "is_staff")
    list_filter = ("kind", "is_staff", "is_superuser", "is_active", "clearance", "position")
    search_fields = ("username", "full_name")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {**super().get_changeform_initial_data(request), "kind": User.Kind.STAFF}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Back-office people only: staff, and anyone given the admin (User.is_back_office).
        queryset: QuerySet[Any] = super().get_queryset(request)
        return queryset.filter(Q(kind=User.Kind.STAFF) | Q(is_staff=True) | Q(is_superuser=True))


admin.site.register(Department)
