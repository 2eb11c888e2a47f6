# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.ops import views

app_name = "ops"
urlpatterns = [
    path("healthz", views.probe_live, name="probe-live"),
    path("readyz", views.probe_ready, name="probe-ready"),
    path("metrics", views.metrics, name="metrics"),
]
