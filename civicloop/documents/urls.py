# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.documents import views

app_name = "documents"
urlpatterns = [
    path("verify/", views.verify, name="document-verify"),
    path("applications/<uuid:public_id>/documents/<uuid:document_id>/", views.download, name="document-download"),
]
