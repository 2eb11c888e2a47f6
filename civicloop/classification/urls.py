# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.classification import views

app_name = "classification"
urlpatterns = [
    path("staff/classification/requests/", views.request_list, name="request-list"),
    path("staff/classification/requests/<uuid:public_id>/", views.request_detail, name="request-detail"),
    path("staff/classification/requests/<uuid:public_id>/decide/", views.request_decide, name="request-decide"),
    path(
        "staff/classification/objects/<str:object_type>/<uuid:public_id>/request/",
        views.request_create,
        name="request-create",
    ),
    path(
        "staff/classification/objects/<str:object_type>/<uuid:public_id>/grants/",
        views.grant_create,
        name="grant-create",
    ),
    path(
        "staff/classification/objects/<str:object_type>/<uuid:public_id>/grants/revoke/",
        views.grant_revoke,
        name="grant-revoke",
    ),
    path(
        "staff/classification/objects/<str:object_type>/<uuid:public_id>/my-number/",
        views.my_number,
        name="my-number",
    ),
    path("staff/classification/report/", views.report, name="report"),
]
