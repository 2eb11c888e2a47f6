# SPDX-License-Identifier: MPL-2.0
"""The co-editing websocket's application, mounted by config/asgi.py beside the chat's."""

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from civicloop.authoring.consumers import DocumentConsumer

PREFIX = "/ws/documents/"

websocket_urlpatterns = [
    path("ws/documents/<uuid:public_id>/", DocumentConsumer.as_asgi()),
]

# As the chat's: a websocket from another site's page is refused (its Origin must be in
# ALLOWED_HOSTS), and the session cookie names the person (devices.sessions.staff_reader_of).
websocket_application = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))

ASGIApp = Any


def with_documents(others: ASGIApp) -> ASGIApp:
    """An ASGI application sending `/ws/documents/…` here and every other websocket to `others`."""

    async def route(scope: dict[str, Any], receive: Any, send: Any) -> None:
        target = websocket_application if str(scope.get("path", "")).startswith(PREFIX) else others
        await target(scope, receive, send)

    return route
