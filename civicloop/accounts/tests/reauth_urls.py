# SPDX-License-Identifier: MPL-2.0
"""The site's URLs plus one view behind require_recent_auth, for test_reauth."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from civicloop.accounts.reauth import require_recent_auth
from config.urls import handler429  # noqa: F401 - handler429 is looked up here
from config.urls import urlpatterns as site_urlpatterns

DONE: list[str] = []


@require_recent_auth(60)
def sensitive(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        DONE.append(request.POST.get("what", ""))
    return HttpResponse(f"done {request.method}")


urlpatterns = [path("test/sensitive/", sensitive), *site_urlpatterns]
