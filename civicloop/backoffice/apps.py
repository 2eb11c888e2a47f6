# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "civicloop.backoffice"
    verbose_name = "Back-office API"

    def ready(self) -> None:
        from civicloop.backoffice import receivers  # noqa: F401  (audits token issuance)
