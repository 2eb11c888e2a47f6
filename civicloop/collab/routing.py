# SPDX-License-Identifier: MPL-2.0
"""The chat's websocket application, mounted by config/asgi.py for the "websocket" protocol."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from civicloop.collab.consumers import ChannelConsumer

websocket_urlpatterns = [
    path("ws/chat/<uuid:public_id>/", ChannelConsumer.as_asgi()),
]

# A websocket from another site's page is refused (cross-site websocket hijacking): its Origin must
# be one of ALLOWED_HOSTS. The session cookie then names the reader (devices.sessions.staff_reader_of).
websocket_application = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
