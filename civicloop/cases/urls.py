# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.accounts.views import StaffLoginView
from civicloop.cases import views

app_name = "cases"
urlpatterns = [
    # Staff sign-in: a password or the directory, then a second factor (accounts, django-allauth).
    path("staff/login/", StaffLoginView.as_view(), name="staff-login"),
    path("staff/inbox/", views.inbox, name="case-list"),
    path("staff/cases/<uuid:public_id>/", views.case_detail, name="case-detail"),
    path("staff/cases/<uuid:public_id>/claim/", views.claim, name="case-claim"),
    path("staff/cases/<uuid:public_id>/correction/", views.correction_request, name="correction-request"),
    path("staff/cases/<uuid:public_id>/decision/", views.decision, name="case-decide"),
    path("staff/cases/<uuid:public_id>/approval/", views.approve, name="case-approve"),
    path(
        "staff/cases/<uuid:public_id>/approval/<int:step_id>/post-review/",
        views.post_review,
        name="approval-post-review",
    ),
    path("staff/cases/<uuid:public_id>/inspection/", views.inspection, name="inspection-record"),
    path("staff/cases/<uuid:public_id>/fee/", views.fee, name="fee-confirm"),
    path("staff/cases/<uuid:public_id>/comments/", views.comment, name="comment-create"),
    path("staff/cases/<uuid:public_id>/assign/", views.assign, name="case-assign"),
    path("staff/inbox/assign/", views.bulk_assign, name="case-bulk-assign"),
    path("staff/consultations/", views.consultations, name="consultation-list"),
    path("staff/consultations/<uuid:public_id>/", views.consultation, name="consultation-detail"),
    # The resident's side of a 補正 lives here because only this app may change a case.
    path("applications/<uuid:public_id>/correction/", views.correction, name="correction-resubmit"),
    path("applications/<uuid:public_id>/withdraw/", views.withdraw, name="application-withdraw"),
]
