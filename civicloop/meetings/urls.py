# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.meetings import views

app_name = "meetings"
urlpatterns = [
    path("staff/meetings/", views.meeting_list, name="meeting-list"),
    path("staff/meetings/<uuid:public_id>/", views.meeting_detail, name="meeting-detail"),
    path("staff/meetings/<uuid:public_id>/agenda/", views.agenda_add, name="agenda-add"),
    path("staff/meetings/<uuid:public_id>/attendees/", views.attendee_add, name="attendee-add"),
    path("staff/meetings/<uuid:public_id>/materials/", views.material_share, name="material-share"),
    path("staff/meetings/<uuid:public_id>/minutes/", views.minutes_start, name="minutes-start"),
    path("staff/meetings/materials/<uuid:public_id>/", views.material_view, name="material-view"),
]
