# SPDX-License-Identifier: MPL-2.0
import os

from django.core.wsgi import get_wsgi_application

from civicloop.demo.checks import refuse_public_demo

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
refuse_public_demo()  # with the demo on and DEBUG off, the web process does not start (docs/security.md)


def _warm_up() -> None:
    """Import every view and build the URL table as the worker starts, not on the first request it
    serves: Django does both lazily, and the first request of each new worker waited ~1.7 s for
    them (and every request queued behind it: bench/chat.py's first posts)."""
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 - the property builds the table


_warm_up()
