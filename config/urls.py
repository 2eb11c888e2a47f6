# SPDX-License-Identifier: MPL-2.0
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("", include("civicloop.catalog.urls")),
    path("", include("civicloop.applications.urls")),
    path("", include("civicloop.intelligence.urls")),
    path("auth/", include("civicloop.accounts.urls")),
    path("", include("civicloop.cases.urls")),
    path("", include("civicloop.documents.urls")),
    path("", include("civicloop.notifications.urls")),
    path("", include("civicloop.devices.urls")),
    path("", include("civicloop.analytics.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
if settings.DEMO_ENABLED:
    urlpatterns.append(path("demo-idp/", include("civicloop.demo.urls")))
