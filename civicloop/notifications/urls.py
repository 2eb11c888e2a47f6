# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.inbox, name="notice-list"),
    path("notifications/preferences/", views.preferences, name="preference-edit"),
    path("notifications/<uuid:public_id>/", views.notice_detail, name="notice-detail"),
]
