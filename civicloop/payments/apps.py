# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "civicloop.payments"
    verbose_name = "Fee payments"

    def ready(self) -> None:
        # cases records the case reaching 手数料納付; the payment due follows from here.
        from civicloop.payments import subscribers  # noqa: F401
