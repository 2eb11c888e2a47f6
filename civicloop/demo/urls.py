# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.demo import views

app_name = "demo"
urlpatterns = [
    path(".well-known/openid-configuration", views.discovery, name="discovery"),
    path("authorize", views.authorize, name="authorize"),
    path("token", views.token, name="token"),
    path("jwks", views.jwks, name="jwks"),
    path("userinfo", views.userinfo, name="userinfo"),
]
