# SPDX-License-Identifier: MPL-2.0
"""django-allauth for staff, mounted at /staff/account/: second factors, re-authentication, password, SSO.

Its own login page is replaced by ours at /staff/login/ (cases:login): allauth's would invite
visitors to sign up, and staff never do.
"""

from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("login/", RedirectView.as_view(pattern_name="cases:login", query_string=True)),
    path("signup/", RedirectView.as_view(pattern_name="cases:login")),
    path("", include("allauth.urls")),
]
