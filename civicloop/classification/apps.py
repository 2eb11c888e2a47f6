# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "civicloop.classification"
    label = "classification"
    default_auto_field = "django.db.models.BigAutoField"
