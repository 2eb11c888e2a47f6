# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("procedures/", views.procedure_list, name="procedure-list"),
    path("procedures/<slug:code>/", views.procedure_detail, name="procedure-detail"),
]
