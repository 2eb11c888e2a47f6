# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "civicloop.applications"
    label = "applications"
    default_auto_field = "django.db.models.BigAutoField"
