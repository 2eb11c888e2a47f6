# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.intelligence import staff_views, views

app_name = "intelligence"
urlpatterns = [
    path("help/", views.help_search, name="help-search"),
    path("inquiries/", views.my_inquiries, name="inquiry-list"),
    path("inquiries/new/", views.inquiry_new, name="inquiry-create"),
    path("inquiries/<uuid:public_id>/", views.inquiry_detail, name="inquiry-detail"),
    # Staff (staff_views.py): the department queue, the triage inbox, one inquiry and its actions.
    path("staff/inquiries/", staff_views.inquiry_queue, name="staff-inquiry-list"),
    path("staff/inquiries/triage/", staff_views.triage_inbox, name="staff-triage"),
    path("staff/inquiries/<uuid:public_id>/", staff_views.inquiry_page, name="staff-inquiry-detail"),
    path("staff/inquiries/<uuid:public_id>/reply/", staff_views.inquiry_reply, name="staff-inquiry-reply"),
    path("staff/inquiries/<uuid:public_id>/reroute/", staff_views.inquiry_reroute, name="staff-inquiry-reroute"),
    path("staff/inquiries/<uuid:public_id>/case/", staff_views.inquiry_open_case, name="staff-inquiry-case"),
]
