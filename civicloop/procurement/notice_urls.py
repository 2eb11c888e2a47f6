# SPDX-License-Identifier: MPL-2.0
"""Public procurement notices and the OCDS packages (no sign-in): notices.py."""

from django.urls import path

from civicloop.procurement import notices

app_name = "procurement-notices"

urlpatterns = [
    path("procurement/notices/", notices.notice_list, name="list"),
    path("procurement/notices/documents/<uuid:public_id>", notices.tender_document, name="document"),
    path("procurement/notices/<str:ocid>/", notices.notice_detail, name="detail"),
    path("opendata/ocds/release-package.json", notices.release_package, name="release-package"),
    path("opendata/ocds/record-package.json", notices.record_package, name="record-package"),
]
