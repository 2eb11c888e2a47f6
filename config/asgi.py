# SPDX-License-Identifier: MPL-2.0
import os

from django.core.asgi import get_asgi_application

from civicloop.demo.checks import refuse_public_demo

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()
refuse_public_demo()  # with the demo on and DEBUG off, the web process does not start (docs/security.md)
