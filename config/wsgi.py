# SPDX-License-Identifier: MPL-2.0
import os

from django.core.wsgi import get_wsgi_application

from civicloop.demo.checks import refuse_public_demo

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
refuse_public_demo()  # with the demo on and DEBUG off, the web process does not start (docs/security.md)
