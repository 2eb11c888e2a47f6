# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.collab.consumers import ChannelConsumer

websocket_urlpatterns = [
    path("ws/chat/<uuid:public_id>/", ChannelConsumer.as_asgi()),
]
