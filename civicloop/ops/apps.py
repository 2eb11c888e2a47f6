# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Health, readiness and metrics (docs/operations.md): reads every app's backlog, imported by none."""

    name = "civicloop.ops"
    label = "ops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicloop.ops import subscribers  # noqa: F401 - counts submissions
