# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "civicloop.procurement"
    label = "procurement"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Procurement"
