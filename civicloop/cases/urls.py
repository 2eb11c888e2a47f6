# SPDX-License-Identifier: MPL-2.0
from django.contrib.auth import views as auth_views
from django.urls import path

from civicloop.cases import views

app_name = "cases"
urlpatterns = [
    path(
        "login/", auth_views.LoginView.as_view(template_name="cases/login.html", next_page="cases:inbox"), name="login"
    ),
    path("inbox/", views.inbox, name="inbox"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case-detail"),
    path("cases/<uuid:public_id>/claim/", views.claim, name="case-claim"),
]
