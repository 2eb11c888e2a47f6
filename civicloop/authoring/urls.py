# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.authoring import views

app_name = "authoring"
urlpatterns = [
    path("staff/documents/", views.document_list, name="document-list"),
    path("staff/documents/<uuid:public_id>/", views.document_detail, name="document-detail"),
    path("staff/documents/<uuid:public_id>/versions/", views.version_list, name="version-list"),
    path("staff/documents/<uuid:public_id>/versions/new/", views.version_create, name="version-create"),
    path("staff/documents/versions/<uuid:version_id>/reviews/", views.review_request, name="review-request"),
    path("staff/documents/versions/<uuid:version_id>/review/", views.review_decide, name="review-decide"),
    path("staff/documents/versions/<uuid:version_id>/sign-off/", views.version_sign_off, name="version-sign-off"),
]
