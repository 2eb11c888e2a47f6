# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.devices import views

app_name = "devices"
urlpatterns = [
    path("staff/devices/", views.device_list, name="device-list"),
    path("staff/devices/register/", views.device_register, name="device-register"),
    path("staff/devices/link/", views.device_link, name="device-link"),
    path("staff/devices/managed/", views.managed_register, name="managed-register"),
    path("staff/devices/<uuid:public_id>/revoke/", views.device_revoke, name="device-revoke"),
    path("staff/devices/approvals/", views.approval_list, name="approval-list"),
    path("staff/devices/<uuid:public_id>/approve/", views.device_approve, name="device-approve"),
    path("staff/devices/<uuid:public_id>/reject/", views.device_reject, name="device-reject"),
]
