# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "civicloop.demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"
