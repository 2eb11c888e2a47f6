# SPDX-License-Identifier: MPL-2.0
"""The chat's websocket application, mounted by config/asgi.py for the "websocket" protocol."""

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from civicloop.collab.consumers import SERVER_SEND, ChannelConsumer

websocket_urlpatterns = [
    path("ws/chat/<uuid:public_id>/", ChannelConsumer.as_asgi()),
]


class KeepServerSend:
    """Keep the server's own `send` in the scope, under `SERVER_SEND`, for the chat's frames.

    Channels' session middleware wraps `send` to save the session when a socket is accepted, and
    looks at the session (through a lazy object) on every message to decide: with 200 readers at
    50 messages a second that was a tenth of the ASGI process's CPU (py-spy, bench/chat.py). A
    frame never saves a session, so the consumer sends frames with the server's `send` directly;
    the handshake and the close still go through the wrapper.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await self.app({**scope, SERVER_SEND: send}, receive, send)


# A websocket from another site's page is refused (cross-site websocket hijacking): its Origin must
# be one of ALLOWED_HOSTS. The session cookie then names the reader (devices.sessions.staff_reader_of).
websocket_application = KeepServerSend(
    AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
)
