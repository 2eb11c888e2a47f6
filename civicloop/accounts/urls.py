# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("login/start/", views.login_start, name="login-start"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.logout_view, name="logout"),
]
