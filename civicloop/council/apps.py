# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class CouncilConfig(AppConfig):
    name = "civicloop.council"
    label = "council"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Council Q&A"

    def ready(self) -> None:
        from civicloop.council import subscribers  # noqa: F401
