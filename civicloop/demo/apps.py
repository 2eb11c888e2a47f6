# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "civicloop.demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicloop.demo import checks  # noqa: F401 - registers the deploy checks
