# SPDX-License-Identifier: MPL-2.0
"""django-allauth for staff, mounted at /staff/account/: second factors, re-authentication, password, SSO.

Its own login page is replaced by ours at /staff/login/ (cases:staff-login): allauth's would invite
visitors to sign up, and staff never do. allauth's pages that enrol a second factor are served
here first, wrapped in `invitation_required`: the first factor needs an administrator's invitation
(accounts.invitations, docs/staff-sign-in.md).
"""

from allauth.mfa.totp import views as totp_views
from allauth.mfa.webauthn import views as webauthn_views
from django.urls import include, path
from django.views.generic import RedirectView

from civicloop.accounts import views
from civicloop.accounts.invitations import invitation_required

invitation_urls = [
    path("invitation/", views.redeem_mfa_invitation, name="mfa-invitation-redeem"),
    path("invitations/new/", views.issue_mfa_invitation, name="mfa-invitation-issue"),
]

urlpatterns = [
    path("login/", RedirectView.as_view(pattern_name="cases:staff-login", query_string=True)),
    path("signup/", RedirectView.as_view(pattern_name="cases:staff-login")),
    path("2fa/", include((invitation_urls, "staff_account"))),
    # Same paths as allauth's (which stay for reverse()); the first match wins, so these serve them.
    path("2fa/totp/activate/", invitation_required(totp_views.activate_totp)),
    path("2fa/webauthn/add/", invitation_required(webauthn_views.add_webauthn)),
    path("", include("allauth.urls")),
]
