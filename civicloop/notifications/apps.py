# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "civicloop.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Lower apps record events (application.submitted, case.decided …); the notices follow from them.
        from civicloop.notifications import subscribers  # noqa: F401
