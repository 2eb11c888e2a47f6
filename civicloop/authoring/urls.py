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
    path("staff/documents/<uuid:public_id>/comments.json", views.comment_list, name="comment-list"),
    path("staff/documents/<uuid:public_id>/comments/", views.comment_create, name="comment-create"),
    path("staff/documents/comments/<uuid:comment_id>/replies/", views.comment_reply, name="comment-reply"),
    path("staff/documents/comments/<uuid:comment_id>/resolve/", views.comment_resolve, name="comment-resolve"),
    path(
        "staff/documents/<uuid:public_id>/suggestions/<slug:suggestion_id>/",
        views.suggestion_decide,
        name="suggestion-decide",
    ),
    path("staff/documents/<uuid:public_id>/pdf/", views.document_pdf, name="document-pdf"),
    path("staff/documents/versions/<uuid:version_id>/pdf/", views.version_pdf, name="version-pdf"),
]
