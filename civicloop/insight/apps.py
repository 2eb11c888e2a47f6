# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "civicloop.insight"
    label = "insight"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The inbox (civicloop.cases, a lower layer) shows the SLA risk through its score hook:
        # cases never imports insight; insight registers itself here.
        from civicloop.insight import inbox

        inbox.register()
