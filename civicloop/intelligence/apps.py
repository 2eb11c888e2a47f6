# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "civicloop.intelligence"
    label = "intelligence"
    default_auto_field = "django.db.models.BigAutoField"
