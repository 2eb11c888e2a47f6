# SPDX-License-Identifier: MPL-2.0
from django.contrib import admin

from civicloop.devices.models import Device


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    """Read-mostly: devices are registered on /staff/devices/ so the token is shown to the right person."""

    list_display = ["name", "owner", "kind", "approval", "platform", "compliant", "last_check_in_at", "revoked_at"]
    list_filter = ["kind", "approval", "platform", "compliant"]
    search_fields = ["name", "owner__username", "public_id"]
    readonly_fields = [
        "public_id",
        "owner",
        "kind",
        "platform",
        "registered_at",
        "registered_by",
        "last_posture",
        "last_check_in_at",
        "compliant",
        "reasons",
        "revoked_at",
        # Approval goes through devices.actions (approve_device / reject_device), never an edit here.
        "approval",
        "decided_at",
        "decided_by",
        "decided_via",
    ]
    exclude = ["token_hash"]

    def has_add_permission(self, request: object) -> bool:
        return False
