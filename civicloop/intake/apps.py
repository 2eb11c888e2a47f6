# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "civicloop.intake"
    label = "intake"
    verbose_name = "Intake from other channels"
    default_auto_field = "django.db.models.BigAutoField"
