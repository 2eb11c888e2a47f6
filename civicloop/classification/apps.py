# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "civicloop.classification"
    label = "classification"
    default_auto_field = "django.db.models.BigAutoField"
