# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "civicloop.meetings"
    label = "meetings"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Meetings"

    def ready(self) -> None:
        from civicloop.meetings import facts, subscribers  # noqa: F401
