# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class CollabConfig(AppConfig):
    name = "civicloop.collab"
    label = "collab"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Staff chat"

    def ready(self) -> None:
        # Open sockets decide again when the facts the chat rules read change (consumers.py).
        from civicloop.collab import subscribers  # noqa: F401
