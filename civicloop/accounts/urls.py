# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from civicloop.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("login/start/", views.login_start, name="login-start"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.logout_view, name="logout"),
]
