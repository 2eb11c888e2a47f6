# SPDX-License-Identifier: MPL-2.0
from django.contrib.auth import views as auth_views
from django.urls import path

from civicloop.cases import views

app_name = "cases"
urlpatterns = [
    path(
        "staff/login/",
        auth_views.LoginView.as_view(template_name="cases/login.html", next_page="cases:inbox"),
        name="login",
    ),
    path("staff/inbox/", views.inbox, name="inbox"),
    path("staff/cases/<uuid:public_id>/", views.case_detail, name="case-detail"),
    path("staff/cases/<uuid:public_id>/claim/", views.claim, name="case-claim"),
    path("staff/cases/<uuid:public_id>/correction/", views.correction_request, name="correction-request"),
    path("staff/cases/<uuid:public_id>/decision/", views.decision, name="decision"),
    # The resident's side of a 補正 lives here because only this app may change a case.
    path("applications/<uuid:public_id>/correction/", views.correction, name="correction"),
    path("applications/<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
]
