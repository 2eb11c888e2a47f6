# SPDX-License-Identifier: MPL-2.0
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from oauth2_provider import views as oauth2_views

from civicloop.accounts.views import admin_sign_in
from config.api import api

urlpatterns = [
    # First: a path is tried against each entry in turn, and every include("") below is a list to
    # walk. The JSON API (submissions, the back office) takes the most requests per second and
    # nothing else lives under api/ (test_urls.py), so it is matched before the pages.
    path("api/", api.urls),
    path("", include("civicloop.catalog.urls")),
    path("", include("civicloop.applications.urls")),
    path("", include("civicloop.intelligence.urls")),
    path("auth/", include("civicloop.accounts.urls")),
    path("", include("civicloop.cases.urls")),
    path("", include("civicloop.documents.urls")),
    path("", include("civicloop.payments.urls")),  # 支払う, 領収書, the provider's webhook, refunds
    path("", include("civicloop.notifications.urls")),
    path("", include("civicloop.devices.urls")),
    path("", include("civicloop.analytics.urls")),
    path("", include("civicloop.classification.urls")),
    path("", include("civicloop.collab.urls")),  # /staff/chat/
    path("", include("civicloop.authoring.urls")),  # /staff/documents/
    path("", include("civicloop.council.urls")),  # /staff/council/
    path("", include("civicloop.procurement.notice_urls")),  # /procurement/notices/, /opendata/ocds/
    path("", include("civicloop.procurement.urls")),  # /procurement/ (suppliers), /staff/procurement/
    path("", include("civicloop.meetings.urls")),  # /staff/meetings/
    path("", include("civicloop.ops.urls")),  # /healthz, /readyz, /metrics
    path("i18n/", include("django.conf.urls.i18n")),
    path("oauth/token/", oauth2_views.TokenView.as_view(), name="oauth2-token"),  # docs/api.md
    path("oauth/revoke/", oauth2_views.RevokeTokenView.as_view(), name="oauth2-revoke"),
    # Staff sign in once, at /staff/login/ with a second factor, for the admin as for the back office;
    # someone signed in whom the admin is not for gets a 403 here rather than a redirect loop.
    path("admin/login/", admin_sign_in),
    path("admin/", admin.site.urls),
    path("staff/account/", include("civicloop.accounts.staff_urls")),
]
handler400 = "civicloop.core.views.bad_request"  # an oversized form field answers 413, not 400
handler429 = "civicloop.accounts.views.too_many_requests"
if settings.DEMO_ENABLED:
    urlpatterns.append(path("demo-idp/", include("civicloop.demo.urls")))
    urlpatterns.append(path("demo-pay/", include("civicloop.demo.pay_urls")))  # the fake payment provider
