# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.analytics import opendata, views
from civicloop.analytics.improvement import views as improvement

app_name = "analytics"
urlpatterns = [
    path("staff/dashboards/", views.index, name="dashboard-list"),
    path("staff/dashboards/cases/", views.cases, name="case-list"),
    path("staff/dashboards/<slug:slug>/", views.dashboard, name="dashboard-detail"),
    path("staff/dashboards/<slug:slug>/data.json", views.dashboard_data, name="dashboard-export"),
    path("staff/dashboards/<slug:slug>/<slug:chart_id>.csv", views.chart_csv, name="chart-export"),
    path("staff/improvement/", improvement.improvement, name="improvement-list"),
    path("staff/improvement/<slug:chart_id>.csv", improvement.improvement_csv, name="improvement-export"),
    path(
        "staff/improvement/findings/<slug:kind>/<slug:procedure>/<str:subject>/",
        improvement.finding_detail,
        name="finding-detail",
    ),
    path("applications/<uuid:public_id>/rating/", views.rate, name="rating-create"),
    path("opendata/", opendata.catalogue, name="dataset-list"),
    path("opendata/<slug:slug>.csv", opendata.dataset_csv, name="dataset-download-csv"),
    path("opendata/<slug:slug>.json", opendata.dataset_json, name="dataset-download-json"),
]
