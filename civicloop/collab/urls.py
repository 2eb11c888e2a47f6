# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.collab import views

app_name = "collab"
urlpatterns = [
    path("staff/chat/", views.channel_list, name="channel-list"),
    path("staff/chat/search/", views.search, name="message-search"),
    path("staff/chat/conversations/", views.conversation_create, name="conversation-create"),
    path("staff/chat/cases/<uuid:case_id>/", views.case_channel_open, name="case-channel-open"),
    path("staff/chat/departments/<slug:code>/", views.department_channel_open, name="department-channel-open"),
    path("staff/chat/<uuid:public_id>/", views.channel_detail, name="channel-detail"),
    path("staff/chat/<uuid:public_id>/messages/", views.message_create, name="message-create"),
    path("staff/chat/<uuid:public_id>/messages.json", views.messages_json, name="message-list-json"),
    path("staff/chat/<uuid:public_id>/read/", views.read_marker, name="read-marker"),
    path("staff/chat/<uuid:public_id>/threads/<uuid:message_id>/", views.thread, name="thread"),
    path("staff/chat/messages/<uuid:message_id>/edit/", views.message_edit, name="message-edit"),
    path("staff/chat/messages/<uuid:message_id>/delete/", views.message_delete, name="message-delete"),
    path("staff/chat/messages/<uuid:message_id>/reactions/", views.message_react, name="message-react"),
    path("staff/chat/messages/<uuid:message_id>/pin/", views.message_pin, name="message-pin"),
    path("staff/chat/files/<uuid:file_id>/", views.file_download, name="file-download"),
]
