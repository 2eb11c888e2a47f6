# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "civicloop.applications"
    label = "applications"
    default_auto_field = "django.db.models.BigAutoField"
