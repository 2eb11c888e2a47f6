# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civicloop.cases"
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The applications app records `application.submitted`; cases subscribes (it may not import upwards).
        from civicloop.cases import subscribers  # noqa: F401
