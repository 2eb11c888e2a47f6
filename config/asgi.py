# SPDX-License-Identifier: MPL-2.0
"""The ASGI entry point: Django's HTTP handler, and the chat's websockets (Django Channels).

`make run` serves it through daphne's `runserver`; production runs it on uvicorn for the websockets
only (the `asgi` role of deploy/entrypoint.sh), beside the gunicorn WSGI workers (docs/operations.md,
"Websockets").
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
http = get_asgi_application()  # first: it sets Django up before the consumers' models are imported

from channels.routing import ProtocolTypeRouter  # noqa: E402

from civicloop.authoring.routing import with_documents  # noqa: E402
from civicloop.collab.routing import websocket_application  # noqa: E402
from civicloop.demo.checks import refuse_public_demo  # noqa: E402

application = ProtocolTypeRouter({"http": http, "websocket": with_documents(websocket_application)})
refuse_public_demo()  # with the demo on and DEBUG off, the web process does not start (docs/security.md)
