# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.applications import counter, views

app_name = "applications"
urlpatterns = [
    path("procedures/<slug:code>/start/", views.start, name="application-start"),
    path("applications/", views.my_applications, name="application-list"),
    path("applications/<uuid:public_id>/", views.detail, name="application-detail"),
    path("applications/<uuid:public_id>/step/<slug:step_id>/", views.step, name="step-edit"),
    path("applications/<uuid:public_id>/attachments/", views.attachments, name="attachment-list"),
    path(
        "applications/<uuid:public_id>/attachments/<uuid:attachment_id>/delete/",
        views.attachment_delete,
        name="attachment-delete",
    ),
    path("applications/<uuid:public_id>/check/", views.check, name="application-check"),
    path("applications/<uuid:public_id>/done/", views.done, name="receipt-detail"),
    path("applications/<uuid:public_id>/follow-ups/", views.follow_ups, name="follow-up-list"),
    path("files/<uuid:attachment_id>/", views.attachment_download, name="attachment-download"),
    path("staff/counter/", counter.assisted_start, name="assisted-start"),  # 窓口・電話での代理入力
]
